#pragma once
// Martinez et al.'s simple baseline as SemGCN re-implements it: flattened 2D -> Linear(1024) BN
// ReLU Dropout -> residual stages of two such layers -> Linear to (J - 1) * 3; the root is (0,0,0).
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/container/modulelist.h>

#include "hoif/models/network.h"

namespace hoif {

class LinearStageImpl : public torch::nn::Module {
 public:
  LinearStageImpl(int64_t size, double dropout);
  torch::Tensor forward(const torch::Tensor& x);
  // Both layers with BatchNorm folded: {W1^T, b1, W2^T, b2}.
  std::vector<torch::Tensor> folded();

 private:
  torch::nn::Linear w1{nullptr}, w2{nullptr};
  torch::nn::BatchNorm1d batch_norm1{nullptr}, batch_norm2{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(LinearStage);

class MartinezModel : public LiftingNetwork {
 public:
  explicit MartinezModel(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& poses_2d) override;
  bool predicts_root() const override { return false; }
  std::string output_layer_name() const override { return "w2"; }
  double forward_flops_per_pose() const override;
  std::vector<torch::Tensor> folded_layers() override;
  FoldedForm folded_form() const override { return {}; }

 private:
  torch::nn::Linear w1{nullptr}, w2{nullptr};
  torch::nn::BatchNorm1d batch_norm1{nullptr};
  torch::nn::ModuleList linear_stages;
  std::vector<LinearStage> stages_;
  torch::nn::Dropout dropout{nullptr};
};

}  // namespace hoif
