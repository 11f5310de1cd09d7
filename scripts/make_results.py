#!/usr/bin/env python3
"""Builds results/results.json and the tables of RESULTS.md and README.md from the files that
scripts/results.sh leaves in the repository for each finished row: its evaluation
(results/rows/<row>.json) and its training log (results/logs/<row>.log). Every number comes from
those files; nothing is typed in here except the published figures (REFERENCE.md).

Usage: scripts/make_results.py
"""
import argparse
import functools
import json
import os
import re

PUBLISHED = {  # (model, keypoints) -> (P1, P2, epochs); CPN rows are the originals' detected-2D rows
    ("martinez", "gt"): (44.40, 35.25, 200),
    ("semgcn", "gt"): (42.14, 33.53, 50),
    ("semgcn-nonlocal", "gt"): (40.78, 31.46, 30),
    ("hgcn", "gt"): (39.52, 31.07, 50),
    ("hoif", "gt"): (39.16, 30.83, 50),
    ("hgcn", "sh_pt_mpii"): (55.60, 43.70, 50),  # published on CPN detections
    ("hoif", "sh_pt_mpii"): (54.80, 42.90, 50),  # published on CPN detections
}
ORDER = ["martinez", "semgcn", "semgcn-nonlocal", "hgcn", "hoif"]
ACTIONS = ["Directions", "Discussion", "Eating", "Greeting", "Phoning", "Photo", "Posing", "Purchases",
           "Sitting", "SittingDown", "Smoking", "Waiting", "WalkDog", "Walking", "WalkTogether"]
# The column heads the papers use (Sitting and SittingDown differ only after six letters).
ACTION_HEADS = ["Dir.", "Disc.", "Eat", "Greet", "Phone", "Photo", "Pose", "Purch.", "Sit", "SitD.", "Smoke",
                "Wait", "WalkD.", "Walk", "WalkT."]
RECIPES = {"budget": "budget-3h", "original": "original", "7epochs": "budget-7ep", "dropout": "budget-3h-dropout",
           "batch64": "budget-3h-batch64", "batch32": "budget-3h-batch32", "short64": "budget-45min-batch64",
           "wd64": "budget-3h-batch64-wd0.01",
           "strongwd64": "budget-3h-batch64-wd0.1", "constwd64": "budget-3h-batch64-constant-wd0.1",
           "constwd64_heldout": "heldout-S8-8ep-batch64-constant-wd0.1", "bones64": "budget-3h-batch64-wd0.1-bones0.15",
           "turn64": "budget-3h-batch64-wd0.1-turn180", "turn32": "budget-3h-batch32-wd0.1-turn180", "turn1ep": "1ep-batch64-constant-wd0.1-turn180",
           "constturn32_4ep": "4ep-batch32-constant-wd0.1-turn180"}
# Evaluations of a budgeted row's checkpoint without one of its changes, and of its best epoch's
# checkpoint (scripts/results.sh).
VARIANTS = ("_noflip.json", "_training_weights.json", "_best_epoch.json")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


@functools.lru_cache(maxsize=None)  # the command, stride and set size all come from one read
def train_log(row):
    log = os.path.join("results", "logs", row + ".log")
    if not os.path.exists(log):
        raise SystemExit(f"{log}: missing; it names the command that trained this row (scripts/results.sh writes it)")
    with open(log) as f:
        return log, tuple(f.read().splitlines())


def train_command(row):
    log, lines = train_log(row)
    if not lines or not lines[0].startswith("command: "):
        raise SystemExit(f"{log}: first line is not the training command")
    return lines[0][len("command: "):]


def logged_number(row, pattern, what):
    """The first integer that `pattern` captures in the row's training log."""
    log, lines = train_log(row)
    for line in lines:
        m = re.search(pattern, line)
        if m:
            return int(m.group(1))
    raise SystemExit(f"{log}: no line names {what}")


def held_out_subjects(row):
    """The training subjects a row held out for its per-epoch evaluation (hoif train
    --validation-subjects), as its log states them, or None: its best epoch was chosen on the test set."""
    for line in train_log(row)[1]:
        m = re.match(r"validation: (.+) held out of training", line)
        if m:
            return m.group(1)
    return None


def training_poses(row):
    """The size of the row's training set, as its log states it: epochs = poses seen / this."""
    return logged_number(row, r"parameters; (\d+) training poses", "the number of training poses")


def parameter_count(row):
    """The model's parameter count, as the row's training log states it (hoif train)."""
    return logged_number(row, r"^[\w-]+: (\d+) parameters;", "the parameter count")


def training_stride(row):
    """Every how many training frames the row kept, as its log's data line states it."""
    return logged_number(row, r"^data: .*, stride (\d+)\)", "the training frame stride")


def rows(results_dir):
    out = []
    rows_dir = os.path.join(results_dir, "rows")
    for name in sorted(os.listdir(rows_dir)):
        if not name.endswith(".json") or name.endswith(VARIANTS):
            continue
        row = name[:-5]
        e = read_json(os.path.join(rows_dir, name))
        noflip, training_weights, best = (read_json(p) if os.path.exists(p) else None
                                          for p in (os.path.join(rows_dir, row + v) for v in VARIANTS))
        suffix = max((k for k in RECIPES if row.endswith("_" + k)), key=len, default=None)  # rows: model_keypoints_recipe
        if suffix is None:
            raise SystemExit(f"results/rows/{name}: the row's name ends in no recipe of RECIPES")
        recipe = RECIPES[suffix]
        kept = os.path.join("models", "results", row + ".ckpt")
        published = PUBLISHED.get((e["model"], e["keypoints"]))
        out.append({
            "model": e["model"],
            "keypoints": e["keypoints"],
            "recipe": recipe,
            "p1": round(e["p1"], 2),
            "p2": round(e["p2"], 2),
            "parameters": parameter_count(row),
            "frame_stride": training_stride(row),
            "epochs": round(e["poses_seen"] / training_poses(row), 2),
            "poses_seen": e["poses_seen"],
            "train_minutes": round(e["train_minutes"], 1),
            "checkpoint": kept if os.path.exists(kept) else None,
            "command": train_command(row),
            "evaluate": f"hoif evaluate {kept if os.path.exists(kept) else os.path.join('runs', 'results', row, 'last.ckpt')}"
                        + (" --flip-test" if e["flip_test"] else ""),
            "flip_test": e["flip_test"],
            "p1_without_flip_test": round(noflip["p1"], 2) if noflip else None,
            "p2_without_flip_test": round(noflip["p2"], 2) if noflip else None,
            "p1_without_weight_average": round(training_weights["p1"], 2) if training_weights else None,
            "p2_without_weight_average": round(training_weights["p2"], 2) if training_weights else None,
            "best_epoch": best["epoch"] if best else None,
            "best_epoch_chosen_on": (held_out_subjects(row) or "test subjects") if best else None,
            "p1_best_epoch": round(best["p1"], 2) if best else None,
            "p2_best_epoch": round(best["p2"], 2) if best else None,
            "per_action": {a: {"p1": round(v["p1"], 2), "p2": round(v["p2"], 2)} for a, v in e["per_action"].items()},
            "poses_evaluated": e["poses"],
            "absent_test_takes": e["absent_takes"],
            "published_p1": published[0] if published else None,
            "published_p2": published[1] if published else None,
            "row": row,
        })
    out.sort(key=lambda r: (r["keypoints"] != "gt", r["recipe"], ORDER.index(r["model"])))
    return out


def summary_table(rs):
    lines = ["| model | 2D | recipe | P1 | P2 | published P1 / P2 | parameters | frame stride | epochs | poses seen | training (min) |",
             "|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|"]
    for r in rs:
        pub = f"{r['published_p1']:.2f} / {r['published_p2']:.2f}" if r["published_p1"] else "—"
        if r["keypoints"] != "gt" and r["published_p1"]:
            pub += " (CPN)"
        lines.append(f"| {r['model']} | {r['keypoints']} | {r['recipe']} | {r['p1']:.2f} | {r['p2']:.2f} | {pub} | "
                     f"{r['parameters']:,} | {r['frame_stride']} | {r['epochs']:g} | {r['poses_seen']:,} | {r['train_minutes']:.0f} |")
    return "\n".join(lines)


def changes_table(rs):
    lines = ["| model | 2D | recipe | P1 | without flip test | without weight average | best epoch (test-selected unless marked) |",
             "|---|---|---|---:|---:|---:|---:|"]
    for r in rs:
        if r["p1_without_flip_test"] is None:
            continue
        cells = [f"{r[k]:.2f}" if r[k] is not None else "—" for k in ("p1", "p1_without_flip_test", "p1_without_weight_average")]
        held_out = "" if r["best_epoch_chosen_on"] == "test subjects" else f", chosen on held-out {r['best_epoch_chosen_on']}"
        cells.append(f"{r['p1_best_epoch']:.2f} (epoch {r['best_epoch']}{held_out})" if r["best_epoch"] else "—")
        lines.append(f"| {r['model']} | {r['keypoints']} | {r['recipe']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def per_action_table(rs, key):
    head = "| model | 2D | recipe | " + " | ".join(ACTION_HEADS) + " | Avg |"
    lines = [head, "|---|---|---|" + "---:|" * (len(ACTIONS) + 1)]
    for r in rs:
        cells = [f"{r['per_action'][a][key]:.1f}" if a in r["per_action"] else "—" for a in ACTIONS]
        lines.append(f"| {r['model']} | {r['keypoints']} | {r['recipe']} | " + " | ".join(cells) + f" | {r[key]:.2f} |")
    return "\n".join(lines)


def replace_between(path, marker, text):
    with open(path) as f:
        doc = f.read()
    begin, end = f"<!-- {marker} begin -->", f"<!-- {marker} end -->"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if not pattern.search(doc):
        raise SystemExit(f"{path}: no '{begin}' ... '{end}' markers")
    write_atomically(path, pattern.sub(lambda _: f"{begin}\n{text}\n{end}", doc))


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    os.chdir(root)
    rs = rows("results")
    public = [{k: v for k, v in r.items() if k != "row"} for r in rs]
    write_atomically("results/results.json", json.dumps(public, indent=2) + "\n")
    replace_between("RESULTS.md", "summary", summary_table(rs))
    replace_between("RESULTS.md", "changes", changes_table(rs))
    replace_between("RESULTS.md", "p1 per action", per_action_table(rs, "p1"))
    replace_between("RESULTS.md", "p2 per action", per_action_table(rs, "p2"))
    replace_between("README.md", "results", summary_table(rs))
    print(f"{len(rs)} rows: results/results.json, RESULTS.md, README.md")


if __name__ == "__main__":
    main()
