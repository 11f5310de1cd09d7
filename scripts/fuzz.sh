#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a while, growing fuzz/corpus/<name>.
# Usage: scripts/fuzz.sh [seconds per target, default 120]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
if ! command -v clang++ >/dev/null || ! dpkg-query -W libclang-rt-14-dev >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOIF_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz -j 2 --target fuzz_pickle fuzz_npy fuzz_npz
for name in pickle npy npz; do
  mkdir -p "build-fuzz/new_$name"
  # New interesting inputs go to a scratch folder first, then are merged minimally into the corpus.
  ASAN_OPTIONS=detect_leaks=1 "build-fuzz/fuzz/fuzz_$name" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 \
    -print_final_stats=1 "build-fuzz/new_$name" "fuzz/corpus/$name"
  "build-fuzz/fuzz/fuzz_$name" -merge=1 "fuzz/corpus/$name" "build-fuzz/new_$name"
done
