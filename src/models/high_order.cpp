#include "hoif/models/high_order.h"

#include <cmath>
#include <regex>

#include <torch/torch.h>

#include "hoif/models/fused.h"

namespace hoif {

HighOrderGraphConvImpl::HighOrderGraphConvImpl(const HighOrderOptions& o, const torch::Tensor& adjacency)
    : options_(o),
      edges_{MaskedSoftmax(walk_mask(adjacency, 1)), MaskedSoftmax(walk_mask(adjacency, 2)),
             MaskedSoftmax(walk_mask(adjacency, 3))} {
  W = register_parameter("W", xavier_graph_weight(4, o.in, o.out));
  e_1 = register_parameter("e_1", edges_[0].initial_weights());
  e_2 = register_parameter("e_2", edges_[1].initial_weights());
  e_3 = register_parameter("e_3", edges_[2].initial_weights());
  bias = register_parameter("bias", uniform_bias(o.sum_orders ? o.out : 4 * o.out, o.out));
}

torch::Tensor HighOrderGraphConvImpl::mixing() const {
  const int64_t J = edges_[0].num_joints();
  return torch::cat({torch::eye(J, e_1.options()), edges_[0](e_1), edges_[1](e_2), edges_[2](e_3)}, 0);
}

torch::Tensor HighOrderGraphConvImpl::residual_input(const std::optional<torch::Tensor>& x0) const {
  if (options_.alpha == 0) return {};
  if (!x0) throw std::invalid_argument("HighOrderGraphConv: initial residual needs x0");
  return *x0;
}

torch::Tensor HighOrderGraphConvImpl::product(const torch::Tensor& x, const std::optional<torch::Tensor>& x0) {
  return high_order_conv(x, residual_input(x0), mixing(), W, options_.alpha, options_.beta, options_.sum_orders);
}

std::vector<torch::Tensor> HighOrderGraphConvImpl::folded() {
  return folded_.get({W, e_1, e_2, e_3, bias}, [&] {
    return std::vector<torch::Tensor>{mixing(), orders_side_by_side(W * options_.beta), bias.clone()};
  });
}

torch::Tensor HighOrderGraphConvImpl::forward(const torch::Tensor& x, const std::optional<torch::Tensor>& x0) {
  if (!inference_pass(*this)) return product(x, x0) + bias;
  const auto t = folded();
  return high_order_conv_folded(x, residual_input(x0), t[0], t[1], t[2], options_.alpha, options_.sum_orders, false);
}

HighOrderBlockImpl::HighOrderBlockImpl(const HighOrderOptions& o, const torch::Tensor& adjacency, double p) {
  gconv = register_module("gconv", HighOrderGraphConv(o, adjacency));
  bn = register_module("bn", torch::nn::BatchNorm1d(4 * o.out));
  if (p > 0) dropout = register_module("dropout", torch::nn::Dropout(p));
}

std::vector<torch::Tensor> HighOrderBlockImpl::folded() {
  HighOrderGraphConvImpl& conv = *gconv;
  const HighOrderOptions& o = conv.options();
  return folded_.get(
      {conv.W, conv.e_1, conv.e_2, conv.e_3, conv.bias, bn->weight, bn->bias, bn->running_mean, bn->running_var}, [&] {
        const auto [scale, shift] = folded_batch_norm(conv.bias, *bn);
        return std::vector<torch::Tensor>{
            conv.mixing(), orders_side_by_side(conv.W * (o.beta * scale.view({4, 1, o.out}))), shift};
      });
}

torch::Tensor HighOrderBlockImpl::forward(const torch::Tensor& x, const std::optional<torch::Tensor>& x0) {
  HighOrderGraphConvImpl& conv = *gconv;
  const HighOrderOptions& o = conv.options();
  if (inference_pass(*this)) {
    // BatchNorm folded into the weights and bias: one convolution and a ReLU.
    const auto t = folded();
    return high_order_conv_folded(x, o.alpha == 0 ? torch::Tensor() : *x0, t[0], t[1], t[2], o.alpha, false, true);
  }
  torch::Tensor y = bias_batch_norm_relu(conv.product(x, x0), conv.bias, *bn);
  return dropout ? fast_dropout(y, dropout->options.p(), is_training(), 1) : y;
}

namespace {

// Four weight GEMMs (one per order) and three J x J mixings (A_0 is the identity) per layer.
double high_order_layer_flops(double joints, double in, double out) {
  return 2.0 * (4 * joints * in * out + 3 * joints * joints * in);
}

}  // namespace

// ---------------------------------------------------------------- HGCN

HgcnModel::HgcnModel(const ModelConfig& c) : LiftingNetwork(c) {
  const ModelConfig cfg = config();
  const torch::Tensor adjacency = skeleton_adjacency(h36m_skeleton_for(cfg.joints, "hgcn"));
  const int64_t hid = cfg.hid_dim, wide = 4 * hid;
  gconv_input = register_module("gconv_input", torch::nn::ModuleList());
  gconv_layers = register_module("gconv_layers", torch::nn::ModuleList());
  input_block_ = HighOrderBlock(HighOrderOptions{2, hid}, adjacency, cfg.dropout);
  gconv_input->push_back(input_block_);
  for (int i = 0; i < cfg.num_layers; ++i) {
    auto block = std::make_shared<torch::nn::Module>();
    std::array<HighOrderBlock, 2> pair = {HighOrderBlock(HighOrderOptions{wide, hid}, adjacency, cfg.dropout),
                                          HighOrderBlock(HighOrderOptions{wide, hid}, adjacency, cfg.dropout)};
    block->register_module("gconv1", pair[0]);
    block->register_module("gconv2", pair[1]);
    gconv_layers->push_back(block);
    blocks_.push_back(pair);
  }
  gconv_output = register_module("gconv_output", HighOrderGraphConv(HighOrderOptions{wide, 3, true}, adjacency));
}

double HgcnModel::forward_flops_per_pose() const {
  const ModelConfig& c = config();
  const double J = c.joints, wide = 4.0 * c.hid_dim;
  return high_order_layer_flops(J, 2, c.hid_dim) + 2.0 * c.num_layers * high_order_layer_flops(J, wide, c.hid_dim) +
         high_order_layer_flops(J, wide, 3);
}

FoldedForm HgcnModel::folded_form() const {
  FoldedForm f;
  f.kind = FoldedForm::Kind::high_order;
  f.residual_pairs = true;
  return f;
}

std::vector<torch::Tensor> HgcnModel::folded_layers() {
  std::vector<torch::Tensor> out = input_block_->folded();
  for (auto& [first, second] : blocks_)
    for (auto* block : {&first, &second})
      for (auto& t : (*block)->folded()) out.push_back(t);
  for (auto& t : gconv_output->folded()) out.push_back(t);
  return out;
}

torch::Tensor HgcnModel::forward(const torch::Tensor& poses_2d) {
  torch::Tensor x = input_block_(to_joint_major(poses_2d));
  for (auto& [first, second] : blocks_) x = x + second(first(x));
  return from_joint_major(gconv_output(x));
}

// ---------------------------------------------------------------- HOIF-Net

double HoifNetModel::beta(int layer_index) { return std::log(kLambda / layer_index + 1.0); }

HoifNetModel::HoifNetModel(const ModelConfig& c) : LiftingNetwork(c) {
  const ModelConfig cfg = config();
  const torch::Tensor adjacency = skeleton_adjacency(h36m_skeleton_for(cfg.joints, "hoif"));
  const int64_t hid = cfg.hid_dim, wide = 4 * hid;
  gconv_input = register_module(
      "gconv_input", HighOrderBlock(HighOrderOptions{2, hid, false, kAlpha, beta(1)}, adjacency, cfg.dropout));
  gconv_layers = register_module("gconv_layers", torch::nn::ModuleList());
  for (int i = 0; i < cfg.num_layers; ++i) {
    hidden_.emplace_back(HighOrderOptions{wide, hid, false, kAlpha, beta(i + 2)}, adjacency, cfg.dropout);
    gconv_layers->push_back(hidden_.back());
  }
  gconv_output = register_module("gconv_output",
                                 HighOrderGraphConv(HighOrderOptions{wide, 3, true, kAlpha, beta(1)}, adjacency));
}

double HoifNetModel::forward_flops_per_pose() const {
  const ModelConfig& c = config();
  const double J = c.joints, wide = 4.0 * c.hid_dim;
  return high_order_layer_flops(J, 2, c.hid_dim) + c.num_layers * high_order_layer_flops(J, wide, c.hid_dim) +
         high_order_layer_flops(J, wide, 3);
}

FoldedForm HoifNetModel::folded_form() const {
  FoldedForm f;
  f.kind = FoldedForm::Kind::high_order;
  f.alpha = kAlpha;
  return f;
}

std::vector<torch::Tensor> HoifNetModel::folded_layers() {
  std::vector<torch::Tensor> out = gconv_input->folded();
  for (auto& layer : hidden_)
    for (auto& t : layer->folded()) out.push_back(t);
  for (auto& t : gconv_output->folded()) out.push_back(t);
  return out;
}

torch::Tensor HoifNetModel::forward(const torch::Tensor& poses_2d) {
  // Inference in chunks small enough for every layer to mix the joints first (fused.h): half
  // the GEMM work, on a working set that stays in cache.
  if (inference_pass(*this) && poses_2d.size(0) > kMixingFirstMaxBatch) {
    std::vector<torch::Tensor> parts;
    for (const auto& chunk : poses_2d.split(kMixingFirstMaxBatch)) parts.push_back(forward(chunk));
    return torch::cat(parts);
  }
  const torch::Tensor input = to_joint_major(poses_2d);
  const torch::Tensor x0 = gconv_input(input, input);
  torch::Tensor x = x0;
  for (auto& layer : hidden_) x = layer(x, x0);
  return from_joint_major(gconv_output(x, x0));
}

std::string hgcn_original_name(const ModelConfig&, const std::string& hoif_name) {
  return hoif_name == "gconv_output.bias" ? "gconv_output.bias_2" : hoif_name;
}

std::string hoif_original_name(const ModelConfig& config, const std::string& hoif_name) {
  static const std::regex hidden(R"(^gconv_layers\.(\d+)\.)");
  std::smatch m;
  if (std::regex_search(hoif_name, m, hidden)) {
    const int i = std::stoi(m[1].str());
    const std::string layer = i + 1 == config.num_layers ? "gconv16" : "gconv" + std::to_string(i + 1);
    return "gconv_layers." + layer + "." + m.suffix().str();
  }
  return hgcn_original_name(config, hoif_name);
}

}  // namespace hoif
