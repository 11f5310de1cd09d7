#include "hoif/models/layers.h"

#include <cmath>

#include <torch/torch.h>

namespace hoif {

torch::Tensor channel_batch_norm(torch::nn::BatchNorm1d& bn, const torch::Tensor& x) {
  const auto shape = x.sizes();
  return bn->forward(x.reshape({-1, shape.back()})).view(shape);
}

torch::Tensor mix_joints(const torch::Tensor& a, const torch::Tensor& x) {
  const int64_t b = x.size(0), j = x.size(1), c = x.size(2);
  const torch::Tensor joint_major = x.transpose(0, 1).reshape({j, b * c});
  return torch::mm(a, joint_major).view({j, b, c}).transpose(0, 1);
}

torch::Tensor xavier_graph_weight(int64_t orders, int64_t in, int64_t out) {
  torch::Tensor w = torch::empty({orders, in, out});
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(w, 1.414);
  return w;
}

torch::Tensor uniform_bias(int64_t size, int64_t out) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(out));
  torch::NoGradGuard no_grad;
  return torch::empty({size}).uniform_(-bound, bound);
}

}  // namespace hoif
