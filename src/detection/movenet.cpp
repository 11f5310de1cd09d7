#include "hoif/detection/movenet.h"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <torch/torch.h>

#include "hoif/core/error.h"

namespace hoif {

namespace fs = std::filesystem;
using torch::Tensor;

namespace {

// The pixels of `region` (black outside the image) as a float (1, 3, side, side) tensor.
Tensor cut_region(const RgbImage& image, const CropRegion& region, int64_t& x0, int64_t& y0, int64_t& side) {
  x0 = std::llround(region.x_min * image.width);
  y0 = std::llround(region.y_min * image.height);
  side = std::max<int64_t>(1, std::llround((region.x_max - region.x_min) * image.width));
  const Tensor pixels = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, 3}, torch::kByte);
  Tensor crop = torch::zeros({side, side, 3}, torch::kFloat);
  const int64_t xa = std::max<int64_t>(x0, 0), xb = std::min<int64_t>(x0 + side, image.width);
  const int64_t ya = std::max<int64_t>(y0, 0), yb = std::min<int64_t>(y0 + side, image.height);
  if (xa < xb && ya < yb)
    crop.slice(0, ya - y0, yb - y0).slice(1, xa - x0, xb - x0).copy_(pixels.slice(0, ya, yb).slice(1, xa, xb));
  return crop.permute({2, 0, 1}).unsqueeze(0);
}

}  // namespace

MoveNet::MoveNet(const std::string& model_json) : graph_(TfjsGraph::load(model_json)) {
  const std::vector<int64_t>& shape = graph_.input_shape();
  if (shape.size() != 4 || shape[1] <= 0 || shape[1] != shape[2] || shape[3] != 3)
    fail(model_json, "is not a MoveNet SinglePose model (its input is not [1, S, S, 3])");
  size_ = static_cast<int>(shape[1]);
}

Tensor MoveNet::run_raw(const Tensor& input_hwc) const {
  const Tensor input = input_hwc.to(torch::kInt).unsqueeze(0);
  const Tensor out = graph_.run({{graph_.input_name(), input}}, {graph_.output_name()})[0];
  if (out.numel() != kCocoJoints * 3) fail(graph_.output_name(), fmt::format("the detector returned {} values, not 17 x 3", out.numel()));
  return out.reshape({kCocoJoints, 3}).to(torch::kFloat);
}

CocoPose MoveNet::detect(const RgbImage& image, const CropRegion& region) const {
  torch::NoGradGuard no_grad;
  int64_t x0 = 0, y0 = 0, side = 0;
  const Tensor crop = cut_region(image, region, x0, y0, side);
  const bool shrink = side > size_;
  const Tensor resized = torch::nn::functional::interpolate(
      crop, torch::nn::functional::InterpolateFuncOptions()
                .size(std::vector<int64_t>{size_, size_})
                .mode(torch::kBilinear)
                .align_corners(false)
                .antialias(shrink));
  // The demo casts the resized image to int32 (truncation); rounding is closer to the pixels.
  const Tensor input = resized.squeeze(0).permute({1, 2, 0}).round().clamp(0, 255);
  const Tensor out = run_raw(input).contiguous();
  const float* v = out.data_ptr<float>();
  const double scale = static_cast<double>(side);
  CocoPose pose;
  for (int j = 0; j < kCocoJoints; ++j) {
    pose[j].y = static_cast<float>(y0 + v[3 * j] * scale);
    pose[j].x = static_cast<float>(x0 + v[3 * j + 1] * scale);
    pose[j].score = v[3 * j + 2];
  }
  return pose;
}

std::string detector_model_path(const std::string& name_or_path, const std::string& folder) {
  if (name_or_path == "lightning" || name_or_path == "thunder")
    return (fs::path(folder) / ("movenet-" + name_or_path + ".json")).string();
  if (fs::path(name_or_path).extension() == ".json") return name_or_path;
  fail("--detector", "'" + name_or_path + "' is neither lightning, thunder nor a model.json");
}

}  // namespace hoif
