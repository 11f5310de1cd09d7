#!/usr/bin/env python3
"""Data-parallel training's speed on one machine (docs/DISTRIBUTED.md, "Measured scaling"): for each
model, its recipe's batch trained for the same minutes as 1 process x 2 threads and as 2 processes
(ranks, `hoif train --nproc 2`) x 1 thread, on the same poses; poses/s and time per step from the
run's log.csv, and for the ranks the gradient bytes summed per step, the time spent in that
allreduce and the collectives per step from its last log line. Keep the machine otherwise idle.

  scripts/bench_data_parallel.py [--minutes 0.5] [--json out/bench_data_parallel.json]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile

MODELS = {"martinez": 64, "semgcn": 64, "semgcn-nonlocal": 64, "hgcn": 256, "hoif": 256}


def train(model, minutes, threads, nproc, data, hoif):
    folder = tempfile.mkdtemp(prefix="hoif_bench_dp_")
    try:
        args = [hoif, "train", "--model", model, "--data", data, "--actions", "Walking,Eating,Sitting",
                "--train-minutes", str(minutes), "--epochs", "1000", "--threads", str(threads), "--save-every", "0",
                "--snapshot", "0", "--checkpoint", os.path.join(folder, "run")]
        if nproc > 1:
            args += ["--nproc", str(nproc)]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        with open(os.path.join(folder, "run", "log.csv")) as f:
            last = f.read().splitlines()[-1].split(",")
        poses, seconds = int(last[5]), float(last[6])
        row = {"ranks": nproc, "threads_per_rank": threads, "poses_per_s": poses / seconds,
               "ms_per_step": 1000 * seconds / (poses / MODELS[model])}
        m = re.search(r"data-parallel: \d+ ranks, (\d+) bytes of gradients summed per step, ([\d.]+) s of ([\d.]+) s "
                      r"of training spent in that allreduce; ([\d.]+) collectives per step", out)
        if m:
            steps = poses / MODELS[model]
            row.update({"gradient_bytes_per_step": int(m.group(1)), "allreduce_ms_per_step": 1000 * float(m.group(2)) / steps,
                        "allreduce_share": float(m.group(2)) / float(m.group(3)), "collectives_per_step": float(m.group(4))})
        return row
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=0.5)
    parser.add_argument("--data", default=os.environ.get("HOIF_H36M", "../shared/h36m"))
    parser.add_argument("--hoif", default="./build/hoif")
    parser.add_argument("--json", default="out/bench_data_parallel.json")
    a = parser.parse_args()
    results = []
    for model, batch in MODELS.items():
        one = train(model, a.minutes, 2, 1, a.data, a.hoif)
        two = train(model, a.minutes, 1, 2, a.data, a.hoif)
        results.append({"model": model, "batch": batch, "one_process_2_threads": one, "two_ranks_1_thread": two,
                        "speed_ratio": two["poses_per_s"] / one["poses_per_s"]})
        print(f"{model:16s} batch {batch:3d}: 1 x 2 threads {one['poses_per_s']:7.0f} poses/s "
              f"({one['ms_per_step']:.2f} ms/step); 2 ranks x 1 thread {two['poses_per_s']:7.0f} poses/s "
              f"({two['ms_per_step']:.2f} ms/step, x{two['poses_per_s'] / one['poses_per_s']:.2f}); "
              f"{two['gradient_bytes_per_step']} gradient bytes/step, allreduce {two['allreduce_ms_per_step']:.3f} ms/step "
              f"({100 * two['allreduce_share']:.1f} %), {two['collectives_per_step']:.1f} collectives/step", flush=True)
    os.makedirs(os.path.dirname(a.json) or ".", exist_ok=True)
    tmp = a.json + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"minutes_per_run": a.minutes, "results": results}, f, indent=2)
    os.replace(tmp, a.json)


if __name__ == "__main__":
    main()
