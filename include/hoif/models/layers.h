#pragma once
// Small pieces shared by the graph networks.
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/dropout.h>
#include <torch/types.h>

#include <functional>
#include <mutex>
#include <vector>

namespace hoif {

// Tensors derived from parameters for inference (folded weights, mixing matrices), recomputed
// only when one of the sources changed: a new tensor, or an in-place update (its version counter
// moves, as with an optimizer step or a loaded checkpoint). Safe to share between threads.
class DerivedTensors {
 public:
  std::vector<torch::Tensor> get(const std::vector<torch::Tensor>& sources,
                                 const std::function<std::vector<torch::Tensor>()>& derive);

 private:
  std::mutex mutex_;
  std::vector<std::pair<const void*, uint32_t>> stamps_;
  std::vector<torch::Tensor> derived_;
};

// True when a forward pass needs no autograd and no batch statistics: the folded fast path.
bool inference_pass(const torch::nn::Module& module);

// (B, J, C) <-> the joint-major (J, B, C) layout the graph layers work in.
torch::Tensor to_joint_major(const torch::Tensor& x);
torch::Tensor from_joint_major(const torch::Tensor& x);

// Xavier-uniform with gain 1.414 under PyTorch's fan rules for a 3-D (k, in, out) weight:
// fan_in = in * out, fan_out = k * out (what nn.init.xavier_uniform_ does in the originals).
torch::Tensor xavier_graph_weight(int64_t orders, int64_t in, int64_t out);
// uniform(+-1/sqrt(out)) of the given size.
torch::Tensor uniform_bias(int64_t size, int64_t out);

}  // namespace hoif
