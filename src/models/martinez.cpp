#include "hoif/models/martinez.h"

#include <torch/torch.h>

#include "hoif/models/fused.h"
#include "hoif/models/channel_product.h"

namespace hoif {

namespace {

// Kaiming-normal weights (the original's init_weights); biases keep PyTorch's default.
torch::nn::Linear kaiming_linear(int64_t in, int64_t out) {
  torch::nn::Linear l(in, out);
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_normal_(l->weight);
  return l;
}

// Linear -> BatchNorm -> ReLU with the bias, normalisation and ReLU in one fused pass.
torch::Tensor linear_batch_norm_relu(torch::nn::Linear& linear, torch::nn::BatchNorm1d& bn, const torch::Tensor& x) {
  return bias_batch_norm_relu(channel_mm(x, linear->weight.t()), linear->bias, *bn);
}

// Linear + BatchNorm in eval form: {W^T scaled per output (in, out), bias}.
std::vector<torch::Tensor> fold_linear(torch::nn::Linear& linear, torch::nn::BatchNorm1d& bn) {
  torch::NoGradGuard no_grad;
  const auto [scale, shift] = folded_batch_norm(linear->bias, *bn);
  return {linear->weight.t() * scale, shift};
}

}  // namespace

LinearStageImpl::LinearStageImpl(int64_t size, double p) {
  w1 = register_module("w1", kaiming_linear(size, size));
  batch_norm1 = register_module("batch_norm1", torch::nn::BatchNorm1d(size));
  w2 = register_module("w2", kaiming_linear(size, size));
  batch_norm2 = register_module("batch_norm2", torch::nn::BatchNorm1d(size));
  dropout = register_module("dropout", torch::nn::Dropout(p));
}

torch::Tensor LinearStageImpl::forward(const torch::Tensor& x) {
  const double p = dropout->options.p();
  torch::Tensor y = fast_dropout(linear_batch_norm_relu(w1, batch_norm1, x), p, is_training(), 0);
  y = fast_dropout(linear_batch_norm_relu(w2, batch_norm2, y), p, is_training(), 0);
  return x + y;
}

std::vector<torch::Tensor> LinearStageImpl::folded() {
  std::vector<torch::Tensor> out = fold_linear(w1, batch_norm1);
  for (auto& t : fold_linear(w2, batch_norm2)) out.push_back(t);
  return out;
}

MartinezModel::MartinezModel(const ModelConfig& c) : LiftingNetwork(c) {
  const ModelConfig cfg = config();
  w1 = register_module("w1", kaiming_linear(cfg.joints * 2, cfg.hid_dim));
  batch_norm1 = register_module("batch_norm1", torch::nn::BatchNorm1d(cfg.hid_dim));
  linear_stages = register_module("linear_stages", torch::nn::ModuleList());
  for (int i = 0; i < cfg.num_layers; ++i) {
    stages_.emplace_back(cfg.hid_dim, cfg.dropout);
    linear_stages->push_back(stages_.back());
  }
  w2 = register_module("w2", kaiming_linear(cfg.hid_dim, (cfg.joints - 1) * 3));
  dropout = register_module("dropout", torch::nn::Dropout(cfg.dropout));
}

double MartinezModel::forward_flops_per_pose() const {
  const ModelConfig& c = config();
  const double h = c.hid_dim;
  return 2.0 * (c.joints * 2 * h + 2.0 * c.num_layers * h * h + h * (c.joints - 1) * 3);
}

std::vector<torch::Tensor> MartinezModel::folded_layers() {
  std::vector<torch::Tensor> out = fold_linear(w1, batch_norm1);
  for (auto& stage : stages_)
    for (auto& t : stage->folded()) out.push_back(t);
  torch::NoGradGuard no_grad;
  out.push_back(w2->weight.t().clone());
  out.push_back(w2->bias.clone());
  return out;
}

torch::Tensor MartinezModel::forward(const torch::Tensor& poses_2d) {
  const int64_t b = poses_2d.size(0);
  torch::Tensor y = fast_dropout(linear_batch_norm_relu(w1, batch_norm1, poses_2d.flatten(1)),
                                 dropout->options.p(), is_training(), 0);
  for (auto& stage : stages_) y = stage(y);
  y = w2(y).view({b, w2->weight.size(0) / 3, 3});
  return torch::cat({torch::zeros({b, 1, 3}, y.options()), y}, 1);
}

}  // namespace hoif
