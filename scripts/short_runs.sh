#!/usr/bin/env bash
# An end-to-end check of every model: each trains for one epoch on every 10th frame, is
# stopped by a time budget mid-epoch, resumed, and evaluated (full protocol, all test frames).
# Usage: [MODELS="hgcn hoif"] scripts/short_runs.sh [output folder, default runs/short]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/short}
data=${HOIF_H36M:-../shared/h36m}
mkdir -p "$out"
for model in ${MODELS:-martinez semgcn semgcn-nonlocal hgcn hoif}; do
  dir="$out/$model"
  rm -rf "$dir"
  ./build/hoif train --model "$model" --data "$data" --epochs 1 --downsample 10 --threads 2 --seed 1 \
    --checkpoint "$dir" --time-budget 0.5
  ./build/hoif train --resume --checkpoint "$dir"
  ./build/hoif evaluate "$dir/last.ckpt" --json "$dir/eval.json"
  ./build/hoif info "$dir/last.ckpt"
done
