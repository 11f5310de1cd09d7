#!/usr/bin/env bash
# hoif's main job, no dataset needed: sets up (packages + Release build), lifts the bundled example
# 2D sequence (examples/walk_h36m16.csv, a synthetic walk) with the bundled pretrained HOIF-Net
# (models/hoif_gt.ckpt, see models/README.md; with flip test-time averaging, as it was evaluated),
# and renders the result.
# Outputs: out/walk_3d.npz (3D poses, camera frame, metres), out/walk_3d.json, out/walk.gif,
# out/walk.bvh (BVH animation, docs/LIFTING.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
./build/hoif lift --model models/hoif_gt.ckpt --input examples/walk_h36m16.csv --format h36m16 --flip \
  --width 1000 --height 1000 --output out/walk_3d.npz
./build/hoif lift --model models/hoif_gt.ckpt --input examples/walk_h36m16.csv --format h36m16 --flip \
  --width 1000 --height 1000 --output out/walk_3d.json
./build/hoif viz --poses3d out/walk_3d.npz --downsample 2 --output out/walk.gif
# The motion as an animation for Blender / Unity, walking along the path estimated from the 2D.
./build/hoif export-motion out/walk_3d.npz --fps 50 --root-path --output out/walk.bvh
echo "main: 3D poses in out/walk_3d.npz and out/walk_3d.json, rendered to out/walk.gif, animation in out/walk.bvh"
