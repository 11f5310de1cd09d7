#include "hoif/training/loss.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "hoif/core/error.h"

namespace hoif {

const std::vector<std::string>& pose_loss_kinds() {
  static const std::vector<std::string> kinds = {"mse", "mpjpe"};
  return kinds;
}

torch::Tensor pose_loss(const torch::Tensor& predicted, const torch::Tensor& target, const std::string& kind) {
  if (kind == "mse") return torch::mse_loss(predicted, target);
  // vector_norm's gradient is 0 where a joint is exactly on target, not NaN.
  if (kind == "mpjpe") return torch::linalg_vector_norm(predicted - target, 2, {-1}).mean();
  fail("--loss", fmt::format("unknown loss '{}' ({})", kind, fmt::join(pose_loss_kinds(), " or ")));
}

}  // namespace hoif
