// Any byte string as an npz: list, load every entry, and read it as VideoPose3D 2D keypoints.
#include <cstdint>
#include <cstdio>
#include <unistd.h>

#include "hoif/core/error.h"
#include "hoif/data/videopose3d.h"
#include "hoif/io/npz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    hoif::NpzReader npz(data, size, "fuzz.npz");
    for (const auto& key : npz.keys()) npz.load(key);
  } catch (const hoif::Error&) {
  }
  return 0;
}
