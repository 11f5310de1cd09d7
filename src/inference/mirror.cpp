#include "hoif/inference/mirror.h"

#include <numeric>

#include <torch/torch.h>

#include "hoif/core/error.h"

namespace hoif {

std::vector<int64_t> mirror_joint_order(const Skeleton& skeleton) {
  std::vector<int64_t> order(static_cast<size_t>(skeleton.num_joints()));
  std::iota(order.begin(), order.end(), 0);
  for (size_t i = 0; i < skeleton.joints_left.size(); ++i) {
    order[static_cast<size_t>(skeleton.joints_left[i])] = skeleton.joints_right[i];
    order[static_cast<size_t>(skeleton.joints_right[i])] = skeleton.joints_left[i];
  }
  return order;
}

torch::Tensor mirror_poses(const torch::Tensor& poses, const Skeleton& skeleton) {
  if (poses.dim() != 3 || poses.size(1) != skeleton.num_joints() || (poses.size(2) != 2 && poses.size(2) != 3))
    fail("mirror_poses", "expects (B, J, 2|3) poses with the skeleton's joints");
  const std::vector<int64_t> order = mirror_joint_order(skeleton);
  const torch::Tensor index = torch::tensor(order, torch::TensorOptions(torch::kLong).device(poses.device()));
  torch::Tensor sign = torch::ones({poses.size(2)}, poses.options());
  sign[0] = -1;
  return poses.index_select(1, index) * sign;
}

}  // namespace hoif
