#pragma once
// The training loss between predicted and target poses (N, J, 3), in metres.
#include <torch/types.h>

#include <string>
#include <vector>

namespace hoif {

// "mse": the originals' mean squared coordinate error. "mpjpe": the mean per-joint Euclidean
// distance, Protocol 1's metric itself (VideoPose3D trains with it); less dominated by the worst
// joints than the squared error.
torch::Tensor pose_loss(const torch::Tensor& predicted, const torch::Tensor& target, const std::string& kind);

// The kinds pose_loss takes: what `--loss` and a checkpoint's configuration may name.
const std::vector<std::string>& pose_loss_kinds();

}  // namespace hoif
