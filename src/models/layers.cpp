#include "hoif/models/layers.h"

#include <cmath>

#include <torch/torch.h>

namespace hoif {

std::vector<torch::Tensor> DerivedTensors::get(const std::vector<torch::Tensor>& sources,
                                               const std::function<std::vector<torch::Tensor>()>& derive) {
  std::vector<std::pair<const void*, uint32_t>> stamps;
  stamps.reserve(sources.size());
  for (const auto& s : sources) stamps.emplace_back(s.unsafeGetTensorImpl(), s._version());
  std::lock_guard<std::mutex> lock(mutex_);
  if (stamps != stamps_ || derived_.empty()) {
    torch::NoGradGuard no_grad;
    derived_ = derive();
    stamps_ = std::move(stamps);
  }
  return derived_;
}

bool inference_pass(const torch::nn::Module& module) {
  return !module.is_training() && !torch::GradMode::is_enabled();
}

torch::Tensor to_joint_major(const torch::Tensor& x) { return x.transpose(0, 1).contiguous(); }
torch::Tensor from_joint_major(const torch::Tensor& x) { return x.transpose(0, 1).contiguous(); }

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
