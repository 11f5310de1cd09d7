#include "hoif/hoif.h"

#include <fmt/format.h>

#include "hoif/core/error.h"
#include "hoif/geometry/skeleton.h"
#include "hoif/inference/lift.h"
#include "hoif/training/checkpoint.h"

namespace hoif {

struct Lifter::Impl {
  torch::Device device{torch::kCPU};
  LoadedCheckpoint checkpoint;
  std::vector<std::string> names;
};

Lifter::Lifter(const std::string& checkpoint, const std::string& device) : impl_(std::make_unique<Impl>()) {
  try {
    impl_->device = torch::Device(device);
  } catch (const c10::Error&) {
    fail("device", "unknown device '" + device + "'");
  }
  impl_->checkpoint = load_checkpoint(checkpoint, impl_->device);
  impl_->checkpoint.model->eval();
  impl_->names = h36m_skeleton_for(num_joints(), checkpoint).names;
}

Lifter::~Lifter() = default;
Lifter::Lifter(Lifter&&) noexcept = default;
Lifter& Lifter::operator=(Lifter&&) noexcept = default;

const std::string& Lifter::model_name() const { return impl_->checkpoint.options.model.name; }
int Lifter::num_joints() const { return impl_->checkpoint.options.model.joints; }
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
  std::vector<Point3> out(keypoints.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = {poses.values[i * 3], poses.values[i * 3 + 1], poses.values[i * 3 + 2]};
  return out;
}

}  // namespace hoif
