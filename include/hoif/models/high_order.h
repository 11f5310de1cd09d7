#pragma once
// High-order graph convolution, shared by HGCN (Zou et al.) and HOIF-Net: four neighbourhood
// orders k = 0..3 (walk masks I, A, A^2, A^3), each with its own softmax edge weights and weight
// W_k; hidden layers concatenate the orders (4 x out channels), the output layer sums them.
// HOIF-Net adds an initial residual: h_k = (1 - alpha) A_k X + alpha X0, out_k = h_k (beta W_k);
// HGCN is the case alpha = 0, beta = 1. A_0 is a softmax over one entry per row, i.e. always the
// identity, so it carries no weights. Activations are joint-major, (J, B, C) (see fused.h).
#include <array>
#include <optional>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>

#include "hoif/models/graph.h"
#include "hoif/models/layers.h"
#include "hoif/models/network.h"

namespace hoif {

struct HighOrderOptions {
  int64_t in = 0, out = 0;
  bool sum_orders = false;  // output layer: sum the four orders instead of concatenating
  double alpha = 0.0;       // initial-residual weight (HOIF-Net 0.5)
  double beta = 1.0;        // weight scale (HOIF-Net ln(lambda / l + 1))
};

class HighOrderGraphConvImpl : public torch::nn::Module {
 public:
  HighOrderGraphConvImpl(const HighOrderOptions& options, const torch::Tensor& adjacency);
  // x: (J, B, in); x0: the initial-residual input (J, B, in) when alpha > 0.
  torch::Tensor forward(const torch::Tensor& x, const std::optional<torch::Tensor>& x0 = std::nullopt);
  // The convolution without its bias (which a following BatchNorm takes).
  torch::Tensor product(const torch::Tensor& x, const std::optional<torch::Tensor>& x0);
  // The four mixing matrices stacked, (4J, J), M_0 = I.
  torch::Tensor mixing() const;
  // Inference form: {mixing, beta W with the orders side by side (fused.h), bias}.
  std::vector<torch::Tensor> folded();
  const HighOrderOptions& options() const { return options_; }

  torch::Tensor W, e_1, e_2, e_3, bias;

 private:
  torch::Tensor residual_input(const std::optional<torch::Tensor>& x0) const;

  HighOrderOptions options_;
  std::array<MaskedSoftmax, 3> edges_;  // orders 1..3
  DerivedTensors folded_;
};
TORCH_MODULE(HighOrderGraphConv);

// conv (concatenated orders) -> BatchNorm over the 4 x out channels -> ReLU (-> dropout); in
// inference one folded convolution.
class HighOrderBlockImpl : public torch::nn::Module {
 public:
  HighOrderBlockImpl(const HighOrderOptions& options, const torch::Tensor& adjacency, double dropout);
  torch::Tensor forward(const torch::Tensor& x, const std::optional<torch::Tensor>& x0 = std::nullopt);
  // Inference form with BatchNorm folded: {mixing, weight side by side, bias} (fused.h).
  std::vector<torch::Tensor> folded();

 private:
  HighOrderGraphConv gconv{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
  torch::nn::Dropout dropout{nullptr};
  DerivedTensors folded_;
};
TORCH_MODULE(HighOrderBlock);

// HGCN: input block 2 -> 4 x hid, residual pairs of blocks, summing output layer.
class HgcnModel : public LiftingNetwork {
 public:
  explicit HgcnModel(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& poses_2d) override;
  double forward_flops_per_pose() const override;
  std::vector<torch::Tensor> folded_layers() override;
  FoldedForm folded_form() const override;

 private:
  torch::nn::ModuleList gconv_input, gconv_layers;
  std::vector<std::array<HighOrderBlock, 2>> blocks_;
  HighOrderBlock input_block_{nullptr};
  HighOrderGraphConv gconv_output{nullptr};
};

// HOIF-Net: input layer (X0 = the 2D pose, l = 1), hidden layers l = 2..L+1 all with X0 = the
// input layer's output, output layer (l = 1); no skips besides the initial residual.
class HoifNetModel : public LiftingNetwork {
 public:
  explicit HoifNetModel(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& poses_2d) override;
  double forward_flops_per_pose() const override;

  std::vector<torch::Tensor> folded_layers() override;
  FoldedForm folded_form() const override;

  static constexpr double kAlpha = 0.5, kLambda = 0.5;
  static double beta(int layer_index);

 private:
  HighOrderBlock gconv_input{nullptr};
  torch::nn::ModuleList gconv_layers;
  std::vector<HighOrderBlock> hidden_;
  HighOrderGraphConv gconv_output{nullptr};
};

// The original's names: layers that sum the four orders use its second bias vector (both
// models); HOIF-Net's hidden layers are gconv1..gconv7 and then gconv16 (gconv8..15 are built,
// never called).
std::string hgcn_original_name(const ModelConfig& config, const std::string& hoif_name);
std::string hoif_original_name(const ModelConfig& config, const std::string& hoif_name);

}  // namespace hoif
