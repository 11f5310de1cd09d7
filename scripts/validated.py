#!/usr/bin/env python3
"""The validation protocol behind the headline rows (RESULTS.md, "Protocol"): every choice is made
on a training subject held out of training (S8), and the test subjects are evaluated once, after
training, with one forward pass per pose (the published protocol) and, as a separate labelled
twin, with flip test-time averaging.

A row is a committed recipe file, results/recipes/<row>.json, written before anything runs:
  model, flags         the recipe (hoif train flags, without data, threads or length)
  contains             what the recipe has beyond the original, in words (flip-aug, turns180, ema, ...)
  max_epochs           the held-out run's longest length
  length_rule          how the length is chosen from the held-out curve (applied by this script)
  fixed_epochs         instead of max_epochs, for a schedule that spans the whole run (cosine): the
                       length, set in the recipe; the held-out curve then only ranks candidates
  seeds                the seeds of the final runs
The held-out stage adds the curve and the chosen length to the file (commit it); the final stage
refuses to run until that file is committed unchanged, so the history shows the recipe before
any test figure.

Usage:
  scripts/validated.py heldout ROW        # S1 S5 S6 S7 trained, S8 evaluated after each epoch
  scripts/validated.py final ROW SEED     # all five subjects, the chosen length, test evaluated once
  scripts/validated.py carry RUN          # a stopped run's state to results/in_progress/RUN, for git
Runs go to runs/validated/ (not in git); an interrupted stage resumes when called again, also on
another machine from a carried state.
"""
import json
import os
import shutil
import subprocess
import sys

DATA = os.environ.get("HOIF_H36M", "../shared/h36m")
THREADS = os.environ.get("HOIF_THREADS", "2")
HOIF = os.environ.get("HOIF_BINARY", "./build/hoif")
VALIDATION = "S8"
MAX_KEPT_BYTES = 8 * 1024 * 1024  # weights kept in git up to this size


def recipe_path(row):
    return os.path.join("results", "recipes", row + ".json")


def read_recipe(row):
    path = recipe_path(row)
    if not os.path.exists(path):
        sys.exit(f"{path}: no such recipe")
    with open(path) as f:
        return json.load(f)


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(value, indent=2) + "\n")
    os.replace(tmp, path)


def hoif(args, log):
    """Runs hoif with its output shown and appended to log; stops this script if hoif fails."""
    with open(log, "a") as out:
        out.write("command: hoif " + " ".join(args) + "\n")
        out.flush()
        proc = subprocess.Popen([HOIF] + args, stdout=subprocess.PIPE, text=True)
        for line in proc.stdout:
            sys.stdout.write(line)
            out.write(line)
        if proc.wait() != 0:
            sys.exit(f"hoif {args[0]} stopped (exit {proc.returncode}); call this again to resume")


def logged_p1(run_dir):
    """The held-out P1 after each epoch, from the run's log.csv."""
    with open(os.path.join(run_dir, "log.csv")) as f:
        rows = f.read().splitlines()[1:]
    return [float(r.split(",")[3]) for r in rows if r]


def chosen_length(curve, max_epochs):
    """The length rule: stop once the error has stayed above its lowest for two epochs in a row, or
    at max_epochs; the length is the epoch of the lowest error (the earliest of equals).
    Returns None while the rule wants another epoch."""
    best = min(range(len(curve)), key=lambda i: (curve[i], i))
    if len(curve) - 1 - best >= 2 or len(curve) >= max_epochs:
        return best + 1
    return None


def restore_carried(name, run_dir):
    """A run carried to another machine through git (results/in_progress/<name>, see carry()) is
    restored when this machine has none."""
    carried = os.path.join("results", "in_progress", name)
    if not os.path.exists(os.path.join(run_dir, "last.ckpt")) and os.path.exists(os.path.join(carried, "last.ckpt")):
        os.makedirs(run_dir, exist_ok=True)
        for f in os.listdir(carried):
            shutil.copy(os.path.join(carried, f), run_dir)
        print(f"{name}: restored from {carried}")


def carry(name):
    """Copies a stopped run's resume state (last.ckpt, log.csv, train.log) to results/in_progress/<name>
    for `git add`, so that another machine resumes it; removed when the stage ends."""
    run_dir = os.path.join("runs", "validated", name)
    carried = os.path.join("results", "in_progress", name)
    os.makedirs(carried, exist_ok=True)
    for f in ("last.ckpt", "log.csv", "train.log", "config.json"):
        if os.path.exists(os.path.join(run_dir, f)):
            shutil.copy(os.path.join(run_dir, f), carried)
    print(f"{name}: carried to {carried}")


def heldout(row):
    recipe = read_recipe(row)
    run_dir = os.path.join("runs", "validated", row + "_heldout")
    log = os.path.join(run_dir, "train.log")
    restore_carried(row + "_heldout", run_dir)
    os.makedirs(run_dir, exist_ok=True)
    common = ["--data", DATA, "--threads", THREADS, "--eval-downsample", "10", "--save-every", "10"]
    fixed = recipe.get("fixed_epochs")
    while True:
        done = logged_p1(run_dir) if os.path.exists(os.path.join(run_dir, "log.csv")) else []
        if fixed and len(done) >= fixed:
            length = fixed
            break
        if not fixed and done and (length := chosen_length(done, recipe["max_epochs"])):
            break
        # A whole-run schedule needs its full length from the first step; a constant one grows by an epoch.
        epochs = ["--epochs", str(fixed or len(done) + 1)]
        if os.path.exists(os.path.join(run_dir, "last.ckpt")):
            hoif(["train", "--resume", "--checkpoint", run_dir, "--threads", THREADS] + epochs, log)
        else:
            hoif(["train"] + recipe["flags"].split() + common + ["--validation-subjects", VALIDATION, "--seed", "0"]
                 + epochs + ["--checkpoint", run_dir], log)
    recipe["heldout"] = {"validation_subjects": [VALIDATION], "p1_by_epoch": done, "epochs_run": len(done),
                         "log": f"results/logs/validation/{row}_heldout.csv"}
    recipe["epochs"] = length
    os.makedirs(os.path.join("results", "logs", "validation"), exist_ok=True)
    shutil.copy(os.path.join(run_dir, "log.csv"), os.path.join("results", "logs", "validation", row + "_heldout.csv"))
    shutil.copy(log, os.path.join("results", "logs", "validation", row + "_heldout.log"))
    write_json(recipe_path(row), recipe)
    shutil.rmtree(os.path.join("results", "in_progress", row + "_heldout"), ignore_errors=True)
    print(f"{row}: {VALIDATION} P1 by epoch {done}; length {length} epochs. Commit {recipe_path(row)} before the final runs.")


def require_committed(path):
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", path], capture_output=True).returncode == 0
    clean = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", path]).returncode == 0
    if not (tracked and clean):
        sys.exit(f"{path}: commit the recipe (with its chosen length) before its test evaluation")


def final(row, seed):
    recipe = read_recipe(row)
    if "epochs" not in recipe:
        sys.exit(f"{recipe_path(row)}: no length chosen yet; run `scripts/validated.py heldout {row}` first")
    if seed not in recipe["seeds"]:
        sys.exit(f"{recipe_path(row)}: seed {seed} is not one of the recipe's seeds {recipe['seeds']}")
    require_committed(recipe_path(row))
    name = f"{row}_s{seed}"
    run_dir = os.path.join("runs", "validated", name)
    log = os.path.join(run_dir, "train.log")
    restore_carried(name, run_dir)
    os.makedirs(run_dir, exist_ok=True)
    length = ["--epochs", str(recipe["epochs"])]
    if os.path.exists(os.path.join(run_dir, "last.ckpt")):
        if not open(log).read().count("\ndone: "):
            hoif(["train", "--resume", "--checkpoint", run_dir, "--threads", THREADS] + length, log)
    else:
        hoif(["train"] + recipe["flags"].split() + ["--data", DATA, "--threads", THREADS, "--save-every", "10",
                                                    "--seed", str(seed)] + length + ["--checkpoint", run_dir], log)
    os.makedirs(os.path.join("results", "rows"), exist_ok=True)
    ckpt = os.path.join(run_dir, "last.ckpt")
    # The one test evaluation: the published protocol, then its test-time-flip twin.
    hoif(["evaluate", ckpt, "--threads", THREADS, "--json", f"results/rows/{name}.json"], os.path.join(run_dir, "eval.txt"))
    hoif(["evaluate", ckpt, "--threads", THREADS, "--flip-test", "--json", f"results/rows/{name}_tta.json"],
         os.path.join(run_dir, "eval_tta.txt"))
    shutil.copy(log, f"results/logs/{name}.log")
    shutil.copy(os.path.join(run_dir, "log.csv"), f"results/logs/{name}.csv")
    weights = os.path.join(run_dir, "weights.ckpt")
    hoif(["export", ckpt, "--weights-only", weights], os.path.join(run_dir, "export.txt"))
    if os.path.getsize(weights) <= MAX_KEPT_BYTES:
        os.makedirs(os.path.join("models", "results"), exist_ok=True)
        shutil.move(weights, f"models/results/{name}.ckpt")
    shutil.rmtree(os.path.join("results", "in_progress", name), ignore_errors=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "heldout":
        heldout(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "carry":
        carry(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "final":
        final(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
