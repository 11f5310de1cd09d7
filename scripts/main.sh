#!/usr/bin/env bash
# Sets up (packages + Release build) and runs hoif's main job on the Human3.6M archive beside the
# checkout: converts it to VideoPose3D-layout npz files in data/ and reports the training and
# test sets. Override the archive with HOIF_H36M=/path/to/h36m (folder or h36m.zip).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
archive=${HOIF_H36M:-../shared/h36m}
./build/hoif prepare-data --from-archive "$archive" --out data
./build/hoif data info --data data --keypoints gt
