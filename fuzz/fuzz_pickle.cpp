// Any byte string: decode as a pickle; walk and re-encode what decodes. Only hoif::Error may escape.
#include <cstdint>

#include "hoif/core/error.h"
#include "hoif/io/npy.h"
#include "hoif/io/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    hoif::py::DecodeLimits limits;
    limits.max_objects = 100000;
    const hoif::py::Document doc = hoif::py::decode(data, size, "fuzz", limits);
    std::vector<uint8_t> out;
    hoif::py::encode(doc, out);
    hoif::py::decode(out.data(), out.size(), "fuzz re-encoded");
  } catch (const hoif::Error&) {
  }
  return 0;
}
