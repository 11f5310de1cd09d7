// Any byte string as a checkpoint: the zip and its checksums, LibTorch's pickle, the options and
// state JSON, the strict tensor checks, the model built from the options. Anything but one hoif
// error (a crash, a sanitizer report, another exception, an absurd allocation) is a bug.
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "hoif/core/error.h"
#include "hoif/training/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool single_thread = [] {
    torch::set_num_threads(1);
    return true;
  }();
  (void)single_thread;
  try {
    hoif::load_checkpoint_from_memory(std::string(reinterpret_cast<const char*>(data), size), "fuzz.ckpt",
                                      torch::Device(torch::kCPU));
  } catch (const hoif::Error&) {
  }
  return 0;
}
