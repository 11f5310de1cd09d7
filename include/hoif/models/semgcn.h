#pragma once
// SemGCN (Zhao et al.): semantic graph convolutions with a learnable weight per edge of A + I,
// self and neighbour features transformed separately; optional non-local blocks.
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>

#include "hoif/models/graph.h"
#include "hoif/models/layers.h"
#include "hoif/models/network.h"

namespace hoif {

// out = (Â ∘ I) X W0 + (Â ∘ (1 - I)) X W1 + b, Â the row-softmax over A + I. Activations are
// joint-major, (J, B, C) (see fused.h).
class SemGraphConvImpl : public torch::nn::Module {
 public:
  SemGraphConvImpl(int64_t in, int64_t out, const torch::Tensor& adjacency);
  torch::Tensor forward(const torch::Tensor& x);
  // The convolution without its bias (which a following BatchNorm takes).
  torch::Tensor product(const torch::Tensor& x);
  // The two terms as orders of the shared graph convolution (fused.h): M_0 = Â ∘ I and
  // M_1 = Â ∘ (1 - I), stacked (2J, J), their products summed.
  torch::Tensor orders() const;
  // Inference form: {mixing, W (2, in, out), bias}.
  std::vector<torch::Tensor> folded();

  torch::Tensor W, e, bias;

 private:
  // folded()'s tensors, then the same in the kernels' layout (cached together).
  std::vector<torch::Tensor> folded_forms();
  MaskedSoftmax edges_;
  torch::Tensor order_masks_;  // [I; 1 - I], (2J, J)
  DerivedTensors folded_;
};
TORCH_MODULE(SemGraphConv);

// conv -> BatchNorm over channels -> ReLU (-> dropout); in inference one folded convolution.
class SemGraphBlockImpl : public torch::nn::Module {
 public:
  SemGraphBlockImpl(int64_t in, int64_t out, const torch::Tensor& adjacency, double dropout);
  torch::Tensor forward(const torch::Tensor& x);
  // Inference form with BatchNorm folded: {mixing, W (2, in, out), bias}.
  std::vector<torch::Tensor> folded();

 private:
  std::vector<torch::Tensor> folded_forms();
  SemGraphConv gconv{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
  torch::nn::Dropout dropout{nullptr};
  DerivedTensors folded_;
};
TORCH_MODULE(SemGraphBlock);

// Two blocks with an identity skip around them.
class SemResidualBlockImpl : public torch::nn::Module {
 public:
  SemResidualBlockImpl(int64_t dim, const torch::Tensor& adjacency, double dropout);
  torch::Tensor forward(const torch::Tensor& x);
  // Both blocks' folded tensors, in order.
  std::vector<torch::Tensor> folded();

 private:
  SemGraphBlock gconv1{nullptr}, gconv2{nullptr};
};
TORCH_MODULE(SemResidualBlock);

// SemGCN's non-local block on joints grouped in neighbouring pairs (inter channels = dim / 2):
// f_ij = ReLU(w · [theta_i ; phi_j]) / N over max-pooled phi and g, y = f g, z = BN(W y) + x.
class GraphNonLocalImpl : public torch::nn::Module {
 public:
  GraphNonLocalImpl(int64_t dim, const std::vector<int>& grouped_order, int group_size);
  torch::Tensor forward(const torch::Tensor& x);  // (J, B, C)
  // For export, 11 tensors: grouped order, restoring order (int64), then for (B, J, C) inputs
  // g, theta, phi as (C, inter) weights and biases, the pairwise projection (2, inter), and the
  // output convolution with its BatchNorm folded in, (inter, C) and (C).
  static constexpr int kFoldedTensors = 11;
  std::vector<torch::Tensor> folded();

 private:
  torch::nn::Sequential g{nullptr}, phi{nullptr}, concat_project{nullptr}, W{nullptr};
  torch::nn::Conv1d theta{nullptr};
  torch::Tensor grouped_, restored_;
  int64_t inter_, group_size_;
};
TORCH_MODULE(GraphNonLocal);

class SemGcnModel : public LiftingNetwork {
 public:
  // with_nonlocal: SemGCN with non-local blocks (the model semgcn-nonlocal).
  explicit SemGcnModel(const ModelConfig& config, bool with_nonlocal = false);
  torch::Tensor forward(const torch::Tensor& poses_2d) override;
  double forward_flops_per_pose() const override;
  // The graph layers, 3 tensors each, in order; then (semgcn-nonlocal) each non-local block's
  // GraphNonLocalImpl::kFoldedTensors, the block after the input first.
  std::vector<torch::Tensor> folded_layers() override;
  FoldedForm folded_form() const override;

 private:
  torch::nn::ModuleList gconv_input, gconv_layers;
  SemGraphBlock input_block_{nullptr};
  std::vector<SemResidualBlock> blocks_;
  std::vector<GraphNonLocal> nonlocal_;  // empty, or one after the input and after each block
  SemGraphConv gconv_output{nullptr};
};

// The original wraps each non-local block in a module holding it as `nonlocal`.
std::string semgcn_nonlocal_original_name(const ModelConfig& config, const std::string& hoif_name);

}  // namespace hoif
