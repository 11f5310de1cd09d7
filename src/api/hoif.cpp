#include "hoif/hoif.h"

#include <fmt/format.h>

#include "hoif/core/error.h"
#include "hoif/data/layouts.h"
#include "hoif/detection/pose_tracker.h"
#include "hoif/geometry/skeleton.h"
#include "hoif/inference/checkpoint_file.h"
#include "hoif/inference/lift_keypoints.h"

namespace hoif {

namespace {

// (N, J, 3) lifted poses as N * J points.
std::vector<Point3> to_points(const ArrayF& poses) {
  std::vector<Point3> out(poses.values.size() / 3);
  for (size_t i = 0; i < out.size(); ++i) out[i] = {poses.values[i * 3], poses.values[i * 3 + 1], poses.values[i * 3 + 2]};
  return out;
}

}  // namespace

struct Lifter::Impl {
  torch::Device device{torch::kCPU};
  CheckpointFile checkpoint;
  std::vector<std::string> names;
};

Lifter::Lifter(const std::string& checkpoint, const std::string& device) : impl_(std::make_unique<Impl>()) {
  try {
    impl_->device = torch::Device(device);
  } catch (const c10::Error&) {
    fail("device", "unknown device '" + device + "'");
  }
  impl_->checkpoint = read_checkpoint_file(checkpoint, impl_->device);
  impl_->checkpoint.model->eval();
  impl_->names = h36m_skeleton_for(num_joints(), checkpoint).names;
}

Lifter::~Lifter() = default;
Lifter::Lifter(Lifter&&) noexcept = default;
Lifter& Lifter::operator=(Lifter&&) noexcept = default;

const std::string& Lifter::model_name() const { return impl_->checkpoint.model->config().name; }
int Lifter::num_joints() const { return impl_->checkpoint.model->config().joints; }
const std::vector<std::string>& Lifter::joint_names() const { return impl_->names; }

std::vector<Point3> Lifter::lift(const std::vector<Point2>& keypoints, int width, int height, bool flip) const {
  if (static_cast<int>(keypoints.size()) != num_joints())
    fail("lift", fmt::format("{} keypoints given, the model takes {}", keypoints.size(), num_joints()));
  return lift_batch(keypoints, width, height, flip);
}

std::vector<Point3> Lifter::lift_batch(const std::vector<Point2>& keypoints, int width, int height, bool flip) const {
  const int J = num_joints();
  if (keypoints.empty() || keypoints.size() % static_cast<size_t>(J) != 0)
    fail("lift_batch", fmt::format("{} keypoints is not a whole number of {}-joint poses", keypoints.size(), J));
  const auto N = static_cast<int64_t>(keypoints.size()) / J;
  KeypointTracks t;
  t.keypoints = ArrayF({N, J, 3});
  for (size_t i = 0; i < keypoints.size(); ++i) {
    t.keypoints.values[i * 3] = keypoints[i][0];
    t.keypoints.values[i * 3 + 1] = keypoints[i][1];
    t.keypoints.values[i * 3 + 2] = 1.0f;
  }
  // Independent poses: each its own "person", so nothing is interpolated across them.
  t.frame.assign(static_cast<size_t>(N), 0);
  t.person.resize(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) t.person[static_cast<size_t>(n)] = n;
  LiftOptions o;
  o.width = width;
  o.height = height;
  o.flip = flip;
  o.interpolate_missing = false;
  const ArrayF poses = lift_keypoints(*impl_->checkpoint.model, t, o, impl_->device);
  return to_points(poses);
}

std::vector<Point3> Lifter::lift(const Detection& coco17, int width, int height, bool flip) const {
  if (coco17.points.size() != kCocoJoints || coco17.scores.size() != kCocoJoints)
    fail("lift", fmt::format("{} points and {} scores given, COCO-17 has 17", coco17.points.size(), coco17.scores.size()));
  const int J = num_joints();
  ArrayF coco({1, kCocoJoints, 3});
  for (size_t j = 0; j < kCocoJoints; ++j) {
    coco.values[3 * j] = coco17.points[j][0];
    coco.values[3 * j + 1] = coco17.points[j][1];
    coco.values[3 * j + 2] = coco17.scores[j];
  }
  KeypointTracks t;
  t.keypoints = map_to_h36m(coco, KeypointLayout::coco17, J);
  t.frame = {0};
  t.person = {0};
  LiftOptions o;
  o.width = width;
  o.height = height;
  o.flip = flip;
  const ArrayF poses = lift_keypoints(*impl_->checkpoint.model, t, o, impl_->device);  // low scores: the detector's estimate
  return to_points(poses);
}

struct Detector::Impl {
  explicit Impl(const std::string& model_json) : movenet(model_json) {}
  MoveNet movenet;
};

Detector::Detector(const std::string& model_json) : impl_(std::make_unique<Impl>(model_json)) {}
Detector::~Detector() = default;
Detector::Detector(Detector&&) noexcept = default;
Detector& Detector::operator=(Detector&&) noexcept = default;

Detection Detector::detect(const unsigned char* rgb, int width, int height) const {
  if (!rgb || width <= 0 || height <= 0) fail("detect", fmt::format("no image ({} x {} pixels)", width, height));
  RgbImage image;
  image.width = width;
  image.height = height;
  image.pixels.assign(rgb, rgb + static_cast<size_t>(width) * height * 3);
  const CocoPose pose = impl_->movenet.detect(image, whole_image_region(width, height));
  Detection out;
  for (const Keypoint2D& k : pose) {
    out.points.push_back({k.x, k.y});
    out.scores.push_back(k.score);
  }
  return out;
}

}  // namespace hoif
