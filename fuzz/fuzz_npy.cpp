// Any byte string as a .npy file, then as a VideoPose3D object document if it is one.
#include <cstdint>

#include "hoif/core/error.h"
#include "hoif/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const hoif::NpyContent c = hoif::parse_npy(std::vector<uint8_t>(data, data + size), "fuzz.npy");
    if (!c.is_object) c.array.to_float("fuzz.npy");
  } catch (const hoif::Error&) {
  }
  return 0;
}
