#!/usr/bin/env bash
# hoif's main job, no dataset needed: sets up (packages, MoveNet's files, Release build), then goes
# from pixels to 3D with the bundled HOIF-Net (models/hoif_gt.ckpt, see models/README.md) on media
# that Debian's opencv-doc package ships (OpenCV's sample data, not in this repository):
#   a photo  (messi5.jpg, a footballer kicking): out/photo_3d.npz, out/photo_3d/frame_00000.png
#   a video  (vtest.avi, 795 frames of a street at 10 frames/s; MoveNet follows one pedestrian):
#            out/street_3d.npz, the overlay video out/street_3d.mp4, the animation out/street.bvh
# and lifts the bundled 2D walk (examples/walk_h36m16.csv, synthetic): out/walk_3d.npz, .json,
# out/walk.gif, out/walk.bvh. Formats and coordinate frames: docs/LIFTING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
media=/usr/share/doc/opencv-doc/examples/data
mkdir -p out

./build/hoif lift --checkpoint models/hoif_gt.ckpt --image "$media/messi5.jpg" --output out/photo_3d.npz
./build/hoif viz --poses3d out/photo_3d.npz --video "$media/messi5.jpg" --size 4 --output out/photo_3d

# One thread: about as fast as two for Lightning (docs/PERFORMANCE.md), and safe on a busy machine.
./build/hoif lift --checkpoint models/hoif_gt.ckpt --video "$media/vtest.avi" --detector lightning --smooth --threads 1 \
  --output out/street_3d.npz
./build/hoif viz --poses3d out/street_3d.npz --video "$media/vtest.avi" --size 4 --fps 10 --output out/street_3d.mp4
./build/hoif export-motion out/street_3d.npz --fps 10 --output out/street.bvh

./build/hoif lift --checkpoint models/hoif_gt.ckpt --input examples/walk_h36m16.csv --format h36m16 \
  --width 1000 --height 1000 --output out/walk_3d.npz
./build/hoif lift --checkpoint models/hoif_gt.ckpt --input examples/walk_h36m16.csv --format h36m16 \
  --width 1000 --height 1000 --output out/walk_3d.json
./build/hoif viz --poses3d out/walk_3d.npz --downsample 2 --output out/walk.gif
# The walk as an animation for Blender / Unity, moving along the path estimated from the 2D.
./build/hoif export-motion out/walk_3d.npz --fps 50 --root-path --output out/walk.bvh
echo "main: photo -> out/photo_3d.npz, out/photo_3d/; street video -> out/street_3d.npz, out/street_3d.mp4, out/street.bvh;"
echo "main: synthetic walk -> out/walk_3d.npz, out/walk_3d.json, out/walk.gif, out/walk.bvh"
