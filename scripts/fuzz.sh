#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a while, growing fuzz/corpus/<name>.
# Usage: scripts/fuzz.sh [seconds per target, default 120] [targets, default: pickle npy npz]
# The checkpoint target (LibTorch's zip and pickle, the options, the model) builds the LibTorch
# library with clang and the sanitizers too (build-fuzz-torch/, about 20 minutes on 2 cores):
#   scripts/fuzz.sh 1800 checkpoint
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
shift || true
targets=("${@:-pickle npy npz}")
read -r -a targets <<< "${targets[*]}"
if ! command -v clang++ >/dev/null || ! dpkg-query -W libclang-rt-14-dev >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
for name in "${targets[@]}"; do
  dir=build-fuzz torch=OFF max_len=4096
  [[ $name == checkpoint ]] && dir=build-fuzz-torch torch=ON max_len=65536
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOIF_FUZZ=ON -DHOIF_FUZZ_TORCH=$torch \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  cmake --build "$dir" -j 2 --target "fuzz_$name"
  mkdir -p "$dir/new_$name"
  # New interesting inputs go to a scratch folder first, then are merged minimally into the corpus.
  ASAN_OPTIONS=detect_leaks=1 "$dir/fuzz/fuzz_$name" -max_total_time="$seconds" -max_len=$max_len -rss_limit_mb=2048 \
    -print_final_stats=1 "$dir/new_$name" "fuzz/corpus/$name"
  "$dir/fuzz/fuzz_$name" -merge=1 "fuzz/corpus/$name" "$dir/new_$name"
done
