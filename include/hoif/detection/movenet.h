#pragma once
// MoveNet SinglePose (Google; Lightning 192 px, Thunder 256 px input): 17 COCO keypoints of one
// person, run from its TensorFlow.js graph files (tfjs_graph.h) with LibTorch on the CPU.
#include <array>
#include <string>

#include "hoif/core/image.h"
#include "hoif/detection/tfjs_graph.h"

namespace hoif {

constexpr int kCocoJoints = 17;  // nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles (left first)

struct Keypoint2D {
  float x = 0, y = 0;  // pixels of the image
  float score = 0;     // the detector's confidence, 0..1
};
using CocoPose = std::array<Keypoint2D, kCocoJoints>;

// A square of the image that the detector looks at, normalised as in MoveNet's demo: y by the
// image height, x by the width. It may reach past the image; the outside is black.
struct CropRegion {
  double y_min = 0, x_min = 0, y_max = 1, x_max = 1;
};

class MoveNet {
 public:
  // model.json of Lightning or Thunder (or a compatible graph: one int32 [1, S, S, 3] input, one
  // [1, 1, 17, 3] output of (y, x, score)).
  explicit MoveNet(const std::string& model_json);
  int input_size() const { return size_; }
  // The pose in `region` of `image`: the region is cut out, resized to the model's input with an
  // antialiased bilinear filter (an area filter when shrinking), and the keypoints mapped back to
  // the image's pixels. Thread-safe: one instance may serve several threads.
  CocoPose detect(const RgbImage& image, const CropRegion& region) const;
  // The model's raw output for an S x S x 3 input already at the model's size: (17, 3) of
  // (y, x, score) normalised to the input, as TensorFlow.js computes it.
  torch::Tensor run_raw(const torch::Tensor& input_hwc) const;

 private:
  TfjsGraph graph_;
  int size_ = 0;
};

// The model.json for --detector: "lightning" or "thunder" in `folder`, or a path to a .json.
std::string detector_model_path(const std::string& name_or_path, const std::string& folder);

}  // namespace hoif
