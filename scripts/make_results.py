#!/usr/bin/env python3
"""Builds results/results.json and the tables of RESULTS.md and README.md from the files that
scripts/results.sh and scripts/validated.py leave in the repository for each finished row: its
evaluations (results/rows/<row>.json, per seed <row>_s<seed>.json) and its training log
(results/logs/<row>.log). Every number comes from those files; nothing is typed in here except the
published figures (REFERENCE.md).

Each evaluation becomes a row of its own: the published inference protocol (one forward pass per
pose, `tta` false) and, where it was measured, its twin with flip test-time averaging (`tta` true).
`selection` says how the recipe and its length were chosen: "validation" (on held-out S8 only, the
test subjects evaluated once after training: scripts/validated.py), "test-monitored" (a per-epoch
test evaluation or a decision looked at the test set: every row of scripts/results.sh but the
original recipes) or "original" (the original recipe, monitored on the test set as the original code
does). Among a model's validated candidates, `headline` marks the one with the lowest held-out S8
P1 at its length (results/recipes/README.md: the earliest-committed on a tie); the others stay in
the table as candidates.

Usage: scripts/make_results.py
"""
import argparse
import functools
import json
import os
import re
import subprocess

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
# Every recipe but "original" also has flip augmentation and a weight average (scripts/results.sh).
RECIPES = {"budget": "budget-3h", "original": "original", "7epochs": "budget-7ep", "dropout": "budget-3h-dropout",
           "batch64": "budget-3h-batch64", "batch32": "budget-3h-batch32", "short64": "budget-45min-batch64",
           "wd64": "budget-3h-batch64-wd0.01",
           "strongwd64": "budget-3h-batch64-wd0.1", "constwd64": "budget-3h-batch64-constant-wd0.1",
           "constwd64_heldout": "heldout-S8-8ep-batch64-constant-wd0.1", "bones64": "budget-3h-batch64-wd0.1-bones0.15",
           "turn64": "budget-3h-batch64-wd0.1-turn180", "turn32": "budget-3h-batch32-wd0.1-turn180", "turn1ep": "1ep-batch64-constant-wd0.1-turn180",
           "constturn32_4ep": "4ep-batch32-constant-wd0.1-turn180"}
# Evaluations of a budgeted row's checkpoint without one of its changes, and of its best epoch's
# checkpoint (scripts/results.sh).
VARIANTS = ("_noflip.json", "_training_weights.json", "_best_epoch.json", "_tta.json")
SEED_ROW = re.compile(r"^(.+)_s(\d+)$")  # scripts/validated.py: <row>_s<seed>.json and <row>_s<seed>_tta.json


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
    """Every how many training frames the row kept, as its log's data line states it ("stride N"
    in logs written before the option became --downsample)."""
    return logged_number(row, r"^data: .*, (?:stride|downsample) (\d+)\)", "the training frame stride")


def recipe_label(row):
    suffix = max((k for k in RECIPES if row.endswith("_" + k)), key=len, default=None)  # rows: model_keypoints_recipe
    if suffix is None:
        raise SystemExit(f"results/rows/{row}.json: the row's name ends in no recipe of RECIPES")
    label = RECIPES[suffix]
    return label if label == "original" else label + "-flipaug-ema"


def kept_checkpoint(row):
    kept = os.path.join("models", "results", row + ".ckpt")
    return kept if os.path.exists(kept) else None


def training_fields(row, e):
    """What the row's training log and evaluation say about how it was trained."""
    return {"parameters": parameter_count(row), "frame_stride": training_stride(row),
            "epochs": round(e["poses_seen"] / training_poses(row), 2), "poses_seen": e["poses_seen"],
            "train_minutes": round(e["train_minutes"], 1), "command": train_command(row)}


def evaluation_fields(evaluations):
    """P1/P2 (the mean over seeds), each seed's figures, their spread, and the per-action means."""
    p1s, p2s = [e["p1"] for e in evaluations], [e["p2"] for e in evaluations]
    mean = lambda xs: sum(xs) / len(xs)
    std = (sum((x - mean(p1s)) ** 2 for x in p1s) / (len(p1s) - 1)) ** 0.5 if len(p1s) > 1 else None
    actions = evaluations[0]["per_action"].keys()
    return {"p1": round(mean(p1s), 2), "p2": round(mean(p2s), 2), "seeds": len(evaluations),
            "p1_seeds": [round(x, 2) for x in p1s], "p2_seeds": [round(x, 2) for x in p2s],
            "p1_std": round(std, 2) if std is not None else None,
            "per_action": {a: {k: round(mean([e["per_action"][a][k] for e in evaluations]), 2) for k in ("p1", "p2")}
                           for a in actions},
            "poses_evaluated": evaluations[0]["poses"], "absent_test_takes": evaluations[0]["absent_takes"]}


def published_fields(e):
    published = PUBLISHED.get((e["model"], e["keypoints"]))
    return {"published_p1": published[0] if published else None, "published_p2": published[1] if published else None}


def results_sh_rows(rows_dir, names):
    """scripts/results.sh's rows: one seed; test-monitored, or the original recipes."""
    out = []
    for row in names:
        e = read_json(os.path.join(rows_dir, row + ".json"))
        noflip, training_weights, best = (read_json(p) if os.path.exists(p) else None
                                          for p in (os.path.join(rows_dir, row + v) for v in VARIANTS[:3]))
        recipe = recipe_label(row)
        kept = kept_checkpoint(row)
        # The published protocol (one forward pass per pose) and, for rows evaluated with it, the
        # flip test-time-averaged twin.
        twins = ([(False, noflip)] if noflip else []) + [(True, e)] if e["flip_test"] else [(False, e)]
        for tta, ev in twins:
            r = {"model": e["model"], "keypoints": e["keypoints"], "recipe": recipe, "tta": tta,
                 "selection": "original" if recipe == "original" else "test-monitored", "validation_subjects": []}
            r.update(evaluation_fields([ev]))
            r.update(training_fields(row, e))
            r["checkpoint"] = kept
            r["evaluate"] = f"hoif evaluate {kept or os.path.join('runs', 'results', row, 'last.ckpt')}" + (" --flip-test" if tta else "")
            if tta:
                r["p1_without_flip_test"] = round(noflip["p1"], 2) if noflip else None
                r["p1_without_weight_average"] = round(training_weights["p1"], 2) if training_weights else None
                r["best_epoch"] = best["epoch"] if best else None
                r["best_epoch_chosen_on"] = (held_out_subjects(row) or "test subjects") if best else None
                r["p1_best_epoch"] = round(best["p1"], 2) if best else None
            r.update(published_fields(e))
            r["row"] = row
            out.append(r)
    return out


def committed_at(path):
    """When git first saw the file (seconds since the epoch), for the rule's tie-break."""
    out = subprocess.run(["git", "log", "--diff-filter=A", "--format=%ct", "--", path], capture_output=True, text=True)
    return int(out.stdout.split()[-1]) if out.stdout.split() else float("inf")


def headline_candidates():
    """Per model, the recipe with the lowest held-out S8 P1 at its length (results/recipes/README.md)."""
    ranked = {}
    folder = os.path.join("results", "recipes")
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        recipe = read_json(os.path.join(folder, name))
        if "epochs" not in recipe:
            continue  # its held-out stage has not chosen a length yet
        key = (recipe["heldout"]["p1_by_epoch"][recipe["epochs"] - 1], committed_at(os.path.join(folder, name)))
        if recipe["model"] not in ranked or key < ranked[recipe["model"]][0]:
            ranked[recipe["model"]] = (key, recipe["row"])
    return {model: row for model, (_, row) in ranked.items()}


def validated_length(recipe):
    how = "fixed by the time budget" if "fixed_epochs" in recipe else "chosen on S8"
    return f"{recipe['epochs']} ep {how}"


def validated_rows(rows_dir, seeds_of):
    """scripts/validated.py's rows: recipe and length chosen on held-out S8, test evaluated once per seed."""
    out = []
    headline = headline_candidates()
    for row, seeds in seeds_of.items():
        recipe = read_json(os.path.join("results", "recipes", row + ".json"))
        for tta in (False, True):
            evaluations = [read_json(os.path.join(rows_dir, f"{row}_s{s}{'_tta' if tta else ''}.json")) for s in seeds]
            e = evaluations[0]
            r = {"model": e["model"], "keypoints": e["keypoints"],
                 "recipe": ", ".join(recipe["contains"]) + "; " + validated_length(recipe),
                 "tta": tta, "selection": "validation", "headline": headline.get(recipe["model"]) == row,
                 "validation_subjects": recipe["heldout"]["validation_subjects"]}
            r.update(evaluation_fields(evaluations))
            r.update(training_fields(f"{row}_s{seeds[0]}", e))
            r["train_minutes"] = round(sum(x["train_minutes"] for x in evaluations) / len(evaluations), 1)
            r["checkpoint"] = kept_checkpoint(f"{row}_s{seeds[0]}")
            r["evaluate"] = f"scripts/validated.py final {row} SEED (seeds {seeds})"
            r.update(published_fields(e))
            r["row"] = row
            out.append(r)
    return out


def rows(results_dir):
    rows_dir = os.path.join(results_dir, "rows")
    plain, seeds_of = [], {}
    for name in sorted(os.listdir(rows_dir)):
        if not name.endswith(".json") or name.endswith(VARIANTS):
            continue
        m = SEED_ROW.match(name[:-5])
        if m:
            seeds_of.setdefault(m.group(1), []).append(int(m.group(2)))
        else:
            plain.append(name[:-5])
    out = results_sh_rows(rows_dir, plain) + validated_rows(rows_dir, {r: sorted(s) for r, s in seeds_of.items()})
    order = {"validation": 0, "test-monitored": 1, "original": 2}
    out.sort(key=lambda r: (r["keypoints"] != "gt", r["tta"], order[r["selection"]], not r.get("headline"),
                            ORDER.index(r["model"]) if "headline" in r else 0, r["recipe"], ORDER.index(r["model"])))
    return out


def summary_table(rs):
    """The published protocol's rows (no test-time augmentation), each with its flip-TTA twin's P1."""
    twin = {(r["row"], r["keypoints"]): r for r in rs if r["tta"]}
    lines = ["| model | 2D | recipe | chosen | seeds | P1 | P1 − published | P2 | P1 with flip TTA | published P1 / P2 | "
             "parameters | frame stride | epochs | training (min) |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"]
    for r in rs:
        if r["tta"]:
            continue
        pub = f"{r['published_p1']:.2f} / {r['published_p2']:.2f}" if r["published_p1"] else "—"
        if r["keypoints"] != "gt" and r["published_p1"]:
            pub += " (CPN)"
        p1 = f"{r['p1']:.2f}" + (f" ± {r['p1_std']:.2f}" if r["p1_std"] is not None else "")
        t = twin.get((r["row"], r["keypoints"]))
        tta = f"{t['p1']:.2f}" if t else "—"
        chosen = r["selection"] + ({True: ", headline", False: ", candidate"}[r["headline"]] if "headline" in r else "")
        lines.append(f"| {r['model']} | {r['keypoints']} | {r['recipe']} | {chosen} | {r['seeds']} | {p1} | "
                     f"{published_gap(r)} | {r['p2']:.2f} | {tta} | {pub} | {r['parameters']:,} | {r['frame_stride']} | {r['epochs']:g} | "
                     f"{r['train_minutes']:.0f} |")
    return "\n".join(lines)


def published_gap(r):
    """P1 minus the published P1, signed (negative beats it); none against CPN-input figures, which
    a Stacked Hourglass row cannot be compared with."""
    if r["keypoints"] != "gt" or not r["published_p1"]:
        return "—"
    return f"{r['p1'] - r['published_p1']:+.2f}".replace("-", "−")


def readme_rows(rs):
    """The README's short list: every row chosen on held-out data, each model's best test-monitored
    row (labelled as such), and the original recipes; RESULTS.md lists them all."""
    best = {}
    for r in rs:
        if not r["tta"] and r["selection"] == "test-monitored":
            key = (r["model"], r["keypoints"])
            if key not in best or r["p1"] < best[key]["p1"]:
                best[key] = r
    kept = [r for r in rs if r["tta"] or r["selection"] != "test-monitored" or best[(r["model"], r["keypoints"])] is r]
    return kept


def readme_table(rs):
    """The summary's columns up to the published figures, for the README's short list of rows."""
    lines = summary_table(readme_rows(rs)).split("\n")
    kept = lines[0].split("|").index(" published P1 / P2 ") + 1
    return "\n".join("|".join(line.split("|")[:kept]) + "|" for line in lines)


def changes_table(rs):
    lines = ["| model | 2D | recipe | P1 (flip TTA) | without flip TTA | without weight average | best epoch (test-selected unless marked) |",
             "|---|---|---|---:|---:|---:|---:|"]
    for r in rs:
        if not r["tta"] or r.get("p1_without_flip_test") is None:
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
        if r["tta"]:
            continue
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
    replace_between("RESULTS.md", "results", summary_table(rs))
    replace_between("docs/RESULTS_NOTES.md", "changes", changes_table(rs))
    replace_between("RESULTS.md", "p1 per action", per_action_table(rs, "p1"))
    replace_between("RESULTS.md", "p2 per action", per_action_table(rs, "p2"))
    replace_between("README.md", "results", readme_table(rs))
    print(f"{len(rs)} rows: results/results.json, RESULTS.md, docs/RESULTS_NOTES.md, README.md")


if __name__ == "__main__":
    main()
