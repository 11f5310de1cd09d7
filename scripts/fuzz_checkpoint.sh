#!/usr/bin/env bash
# Fuzzes the checkpoint loader (fuzz/fuzz_checkpoint.cpp) with AFL++, AddressSanitizer and
# UndefinedBehaviorSanitizer, starting from fuzz/corpus/checkpoint; then merges what it found,
# minimised, into that corpus (which ctest replays). AFL++'s GCC mode (afl-g++, instrumenting at
# the assembler): Debian's build of its GCC plugin refuses the installed GCC 12.2.0-14+deb12u1,
# and clang cannot compile LibTorch's headers as C++20 (fuzz/CMakeLists.txt).
# Usage: scripts/fuzz_checkpoint.sh [seconds, default 3600]   (resumes an earlier session's queue)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3600}
command -v afl-g++ >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++; }
export AFL_USE_ASAN=1 AFL_USE_UBSAN=1
CC=afl-gcc CXX=afl-g++ cmake -S . -B build-afl -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHOIF_AFL_DRIVER=/usr/lib/afl/libAFLDriver.a >/dev/null
cmake --build build-afl -j 2 --target fuzz_checkpoint
unset AFL_USE_ASAN AFL_USE_UBSAN
out=build-afl/findings
input=fuzz/corpus/checkpoint
[ -d "$out/default/queue" ] && input=-  # resume
# LibTorch reserves far more address space than ASan's default limit allows (-m none); a model
# that cannot be built within 2 s per input counts as a hang.
AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:symbolize=0 \
  timeout --signal=INT "$seconds" afl-fuzz -i "$input" -o "$out" -m none -t 2000 -- build-afl/fuzz/fuzz_checkpoint || true
grep -E "execs_done|saved_crashes|saved_hangs|run_time|corpus_count" "$out/default/fuzzer_stats"
# Keep what reached new code, minimised (afl-cmin), beside the seeds.
afl-cmin -i "$out/default/queue" -o build-afl/minimised -m none -t 2000 -- build-afl/fuzz/fuzz_checkpoint >/dev/null
cp -n build-afl/minimised/* fuzz/corpus/checkpoint/ 2>/dev/null || true
