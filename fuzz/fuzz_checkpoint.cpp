// Any byte string as a checkpoint: the zip and its checksums, LibTorch's pickle, the options and
// state JSON, the strict tensor checks, the model built from the options. Anything but one hoif
// error (a crash, a sanitizer report, another exception, an absurd allocation) is a bug.
//
// A mutated byte almost always breaks a checksum, which hoif rejects first; so that the layers
// behind it are fuzzed too, every other input has its stored entries' CRCs recomputed first.
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <string>

#include <torch/torch.h>

#include "hoif/core/error.h"
#include "hoif/training/checkpoint.h"

namespace {

uint32_t u32(const std::string& z, size_t at) {
  uint32_t v = 0;
  std::memcpy(&v, z.data() + at, 4);
  return v;
}
uint16_t u16(const std::string& z, size_t at) {
  uint16_t v = 0;
  std::memcpy(&v, z.data() + at, 2);
  return v;
}

// Sets the CRC of every stored (uncompressed) entry, in its local header and the central
// directory, to that of its bytes. Leaves anything it cannot follow as it is.
void recompute_crcs(std::string& z) {
  if (z.size() < 22) return;
  size_t end = std::string::npos;
  for (size_t at = z.size() - 22; at + 1 > 0 && z.size() - at <= 65557; --at)
    if (u32(z, at) == 0x06054b50) {
      end = at;
      break;
    }
  if (end == std::string::npos) return;
  size_t entry = u32(z, end + 16);
  for (unsigned n = u16(z, end + 10); n > 0 && entry + 46 <= z.size() && u32(z, entry) == 0x02014b50; --n) {
    const size_t size = u32(z, entry + 20), local = u32(z, entry + 42);
    if (u16(z, entry + 10) == 0 && local + 30 <= z.size() && u32(z, local) == 0x04034b50) {
      const size_t data = local + 30 + u16(z, local + 26) + u16(z, local + 28);
      if (data <= z.size() && size <= z.size() - data) {
        const uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(z.data() + data), static_cast<uInt>(size)));
        std::memcpy(z.data() + entry + 16, &crc, 4);
        std::memcpy(z.data() + local + 14, &crc, 4);
      }
    }
    entry += 46 + u16(z, entry + 28) + u16(z, entry + 30) + u16(z, entry + 32);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool single_thread = [] {
    torch::set_num_threads(1);
    return true;
  }();
  (void)single_thread;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (size % 2) recompute_crcs(bytes);
  try {
    hoif::load_checkpoint_from_memory(bytes, "fuzz.ckpt", torch::Device(torch::kCPU));
  } catch (const hoif::Error&) {
  }
  return 0;
}
