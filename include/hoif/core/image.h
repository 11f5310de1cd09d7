#pragma once
// An RGB image in memory: what the video reader decodes, the detector looks at and the
// renderer draws.
#include <cstdint>
#include <vector>

namespace hoif {

// 3 bytes per pixel (R, G, B), rows top to bottom, no padding.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;
  const uint8_t* at(int x, int y) const { return &pixels[3 * (static_cast<size_t>(y) * width + x)]; }
};

}  // namespace hoif
