// Coverage for LLVM's libFuzzer in a GCC build (scripts/fuzz_checkpoint.sh): GCC's
// -fsanitize-coverage=trace-pc calls __sanitizer_cov_trace_pc in every basic block, and libFuzzer
// counts any counters in the section __libfuzzer_extra_counters as coverage. Each block's address
// is hashed to one counter. libFuzzer's own __sanitizer_cov_trace_pc only reports that it is not
// supported, so this one is linked first (--allow-multiple-definition, fuzz/CMakeLists.txt). GCC's
// integer trace-cmp hooks go to libFuzzer; it has none for floating-point comparisons.
#include <cstdint>

namespace {
constexpr uintptr_t kCounters = uintptr_t(1) << 16;
}

__attribute__((section("__libfuzzer_extra_counters"), used)) uint8_t hoif_block_counters[kCounters];

extern "C" __attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_pc() {
  const auto pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  ++hoif_block_counters[(pc ^ (pc >> 15)) & (kCounters - 1)];
}

extern "C" __attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_cmpf(float, float) {}
extern "C" __attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_cmpd(double, double) {}
