#!/usr/bin/env bash
# Copies the resume state of scripts/results.sh's runs not yet evaluated (runs/results/<row>: the last saved
# checkpoint with optimizer state, the best epoch's checkpoint, which the run's end evaluates, its
# training log and curve) to results/in_progress/<row>, so
# that a commit carries them to the next machine; scripts/results.sh restores and resumes them.
# The checkpoint is written atomically by `hoif train`, so this is safe while the run goes on.
# Usage: scripts/carry_run.sh ROW...
set -euo pipefail
cd "$(dirname "$0")/.."
# Resume states above this size stay on the machine: the linear model's checkpoint with Adam's
# moments and the weight average is 69 MB, which a git repository should not keep once per session.
max_carried_bytes=$((32 * 1024 * 1024))
for row in "$@"; do
  dir="runs/results/$row"
  [[ -f $dir/last.ckpt ]] || { echo "$dir/last.ckpt: no run to carry" >&2; exit 2; }
  # A finished run still needs carrying until scripts/results.sh has evaluated it.
  if [[ -f results/rows/$row.json && -f results/logs/$row.log ]]; then
    echo "$row: evaluated, nothing to carry (scripts/results.sh kept its results)" >&2
    continue
  fi
  if (($(stat -c %s "$dir/last.ckpt") > max_carried_bytes)); then
    echo "$row: $dir/last.ckpt is $(du -h "$dir/last.ckpt" | cut -f1), not carried: it resumes on this machine only" >&2
    continue
  fi
  mkdir -p "results/in_progress/$row"
  for f in last.ckpt best.ckpt train.log log.csv; do
    [[ -f $dir/$f ]] && cp "$dir/$f" "results/in_progress/$row/$f.tmp" && mv "results/in_progress/$row/$f.tmp" "results/in_progress/$row/$f"
  done
  echo "$row: carried to results/in_progress/$row ($(du -sh "results/in_progress/$row" | cut -f1))"
done
