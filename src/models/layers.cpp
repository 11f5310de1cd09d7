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
