#!/usr/bin/env bash
# Fuzzes the checkpoint loader (fuzz/fuzz_checkpoint.cpp) with LLVM's libFuzzer linked into a GCC
# build: clang cannot compile LibTorch's headers as C++20 against GCC 12's library, and AFL++'s
# GCC plugin refuses Debian's GCC, so GCC's own coverage hooks (-fsanitize-coverage=trace-pc,
# trace-cmp) feed libFuzzer (fuzz/gcc_coverage.cpp). Starts from fuzz/corpus/checkpoint and keeps
# what it finds in build-fuzz-gcc/new, which later runs start from too (hundreds of 26 kB inputs:
# not for git). Crashes and slow inputs are written to build-fuzz-gcc/{crash,timeout,oom}-*; once
# handled, copy them into fuzz/corpus/checkpoint, which ctest replays.
# Usage: scripts/fuzz_checkpoint.sh [seconds, default 3600] [processes, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3600}
jobs=${2:-2}
if ! dpkg-query -W libclang-rt-14-dev >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libclang-rt-14-dev
fi
runtime=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
cmake -S . -B build-fuzz-gcc -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOIF_LIBFUZZER_RUNTIME="$runtime" >/dev/null
cmake --build build-fuzz-gcc -j 2 --target fuzz_checkpoint
mkdir -p build-fuzz-gcc/new
# -timeout: a model that takes over 2 s to build counts as a hang; LibTorch maps more memory than
# libFuzzer's default limit; -fork: that many processes, restarted after any crash.
(cd build-fuzz-gcc && ./fuzz/fuzz_checkpoint new ../fuzz/corpus/checkpoint -fork="$jobs" -ignore_crashes=0 \
  -max_total_time="$seconds" -timeout=2 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1) 2>&1 |
  tee build-fuzz-gcc/fuzz.log | grep -E "^#[0-9]+: cov|DONE|crash|ERROR" | tail -5
