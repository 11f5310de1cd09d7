#include "hoif/training/augment.h"

#include <cmath>
#include <random>

#include <torch/torch.h>

#include "hoif/training/pose_augment.h"
#include "hoif/inference/mirror.h"

namespace hoif {

namespace {

// splitmix64's finaliser over (seed, epoch, position): independent-looking bits per pose.
uint64_t pose_hash(uint64_t seed, int epoch, int64_t position) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull ^ (static_cast<uint64_t>(epoch) << 40) ^ static_cast<uint64_t>(position);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Keep the bone factors' and the angles' draws apart from the flip mask's and from each other.
constexpr uint64_t kBoneSeedSalt = 0xB0E1E96711ull;
constexpr uint64_t kRotationSeedSalt = 0x0A7A7E5A17ull;

}  // namespace

torch::Tensor flip_augment_mask(uint64_t seed, int epoch, int64_t first, int64_t count) {
  torch::Tensor mask = torch::empty({count, 1, 1}, torch::kBool);
  bool* m = mask.data_ptr<bool>();
  for (int64_t i = 0; i < count; ++i) m[i] = (pose_hash(seed, epoch, first + i) >> 63) != 0;
  return mask;
}

torch::Tensor bone_length_factors(uint64_t seed, int epoch, int64_t first, int64_t count, double range,
                                  const Skeleton& skeleton) {
  const int64_t J = skeleton.num_joints();
  const std::vector<int64_t> mirror = mirror_joint_order(skeleton);
  torch::Tensor factors = torch::empty({count, J}, torch::kFloat);
  float* f = factors.data_ptr<float>();
  std::uniform_real_distribution<double> uniform(1.0 - range, 1.0 + range);
  for (int64_t i = 0; i < count; ++i, f += J) {
    std::mt19937_64 rng(pose_hash(seed ^ kBoneSeedSalt, epoch, first + i));
    for (int64_t j = 0; j < J; ++j) f[j] = static_cast<float>(uniform(rng));
    for (int64_t j = 0; j < J; ++j) f[j] = f[std::min(j, mirror[static_cast<size_t>(j)])];
  }
  return factors;
}

torch::Tensor rotation_angles(uint64_t seed, int epoch, int64_t first, int64_t count, double range_degrees) {
  torch::Tensor angles = torch::empty({count}, torch::kDouble);
  const double range = range_degrees * M_PI / 180.0;
  std::uniform_real_distribution<double> uniform(-range, range);
  for (int64_t i = 0; i < count; ++i) {
    std::mt19937_64 rng(pose_hash(seed ^ kRotationSeedSalt, epoch, first + i));
    angles.data_ptr<double>()[i] = uniform(rng);
  }
  return angles;
}

void augment_batch(const TrainOptions& o, const PoseSet& set, int epoch, int64_t first, const torch::Tensor& rows,
                   torch::Tensor& x, torch::Tensor& y) {
  if (o.bone_augment <= 0 && o.rotate_augment <= 0 && !o.flip_augment) return;
  const Skeleton& skeleton = h36m_skeleton_for(set.num_joints, "the training poses");
  const torch::Tensor original = y;
  if (o.bone_augment > 0)
    y = scale_bones(y, bone_length_factors(o.seed, epoch, first, rows.size(0), o.bone_augment, skeleton), skeleton);
  if (o.rotate_augment > 0)
    y = rotate_about_vertical(y, rotation_angles(o.seed, epoch, first, rows.size(0), o.rotate_augment), set, rows);
  if (o.bone_augment > 0 || o.rotate_augment > 0) x = reproject_keypoints(x, original, y, set, rows);
  if (o.flip_augment) {
    const torch::Tensor mask = flip_augment_mask(o.seed, epoch, first, rows.size(0));
    x = torch::where(mask, mirror_poses(x, skeleton), x);
    y = torch::where(mask, mirror_poses(y, skeleton), y);
  }
}

}  // namespace hoif
