#!/usr/bin/env bash
# The installed CMake package works for another project: install hoif to a temporary prefix,
# build examples/consumer against it with find_package(hoif), and run the result.
#   test_package.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# The package is one header and one library that needs LibTorch but none of the media, plotting
# and export libraries the command-line tool uses.
headers=$(cd "$work/prefix/include" && find . -type f)
[ "$headers" = "./hoif/hoif.h" ] || { echo "installed headers other than hoif/hoif.h: $headers"; exit 1; }
needed=$(readelf -d "$(find "$work/prefix" -name libhoif.so)" | grep NEEDED)
echo "$needed" | grep -q "libtorch" || { echo "libhoif.so does not link LibTorch: $needed"; exit 1; }
if echo "$needed" | grep -Ei "cairo|avformat|avcodec|swscale|gif|onnx|hdf5"; then
  echo "libhoif.so needs a library beyond LibTorch's (above)"; exit 1
fi
cmake -S "$source/examples/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
# Usage without a model; a clear error for a file that is not a checkpoint.
set +e
"$work/consumer/lift_one_pose" >/dev/null 2>&1; usage=$?
echo "not a checkpoint" > "$work/bad.ckpt"
message=$("$work/consumer/lift_one_pose" "$work/bad.ckpt" 2>&1); bad=$?
set -e
[ "$usage" = 2 ] || { echo "expected usage exit 2, got $usage"; exit 1; }
[ "$bad" = 1 ] || { echo "expected exit 1 for a bad checkpoint, got $bad"; exit 1; }
case "$message" in *"bad.ckpt: not a hoif checkpoint"*) ;; *) echo "unexpected message: $message"; exit 1 ;; esac
# With the bundled model, when there is one: a lifted pose.
if [ -f "$source/models/hoif_gt.ckpt" ]; then
  "$work/consumer/lift_one_pose" "$source/models/hoif_gt.ckpt" | grep -q "lifted 16 joints"
fi
echo "package OK"
