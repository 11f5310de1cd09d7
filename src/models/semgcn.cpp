#include "hoif/models/semgcn.h"

#include <regex>

#include <torch/torch.h>

#include "hoif/core/error.h"
#include "hoif/models/fused.h"

namespace hoif {

// ---------------------------------------------------------------- layers

SemGraphConvImpl::SemGraphConvImpl(int64_t in, int64_t out, const torch::Tensor& adjacency)
    : edges_(walk_mask(adjacency, 0) | walk_mask(adjacency, 1)) {
  const torch::Tensor eye = torch::eye(adjacency.size(0));
  order_masks_ = torch::cat({eye, 1 - eye});
  W = register_parameter("W", xavier_graph_weight(2, in, out));
  e = register_parameter("e", edges_.initial_weights());
  bias = register_parameter("bias", uniform_bias(out, out));
}

torch::Tensor SemGraphConvImpl::orders() const {
  const torch::Tensor a = edges_(e);
  const int64_t J = a.size(0);
  // The diagonal of A-hat scales each joint's own features; the rest mixes its neighbours'.
  return (order_masks_.to(a.device()).view({2, J, J}) * a).view({2 * J, J});
}

namespace {

// {mixing, W, bias} as folded() returns them — the mixing [Â ∘ I | Â ∘ (1 - I)], (J, 2J), the
// layout export takes — followed by the same in the kernels' layout; derived once per parameter
// change: rebuilt per call, the layout copies cost a fifth of a single pose's latency.
std::vector<torch::Tensor> with_kernel_layout(const torch::Tensor& orders, const torch::Tensor& W, const torch::Tensor& bias) {
  const int64_t J = orders.size(1);
  const torch::Tensor mixing = orders.view({2, J, J}).transpose(0, 1).reshape({J, 2 * J});
  return {mixing, W, bias, orders, orders_side_by_side(W), bias};
}

std::vector<torch::Tensor> first_three(const std::vector<torch::Tensor>& forms) { return {forms[0], forms[1], forms[2]}; }

torch::Tensor sem_graph_folded(const torch::Tensor& x, const std::vector<torch::Tensor>& forms, bool relu) {
  return high_order_conv_folded(x, torch::Tensor(), forms[3], forms[4], forms[5], 0.0, true, relu);
}

}  // namespace

torch::Tensor SemGraphConvImpl::product(const torch::Tensor& x) {
  return high_order_conv(x, torch::Tensor(), orders(), W, 0.0, 1.0, true);
}

std::vector<torch::Tensor> SemGraphConvImpl::folded_forms() {
  return folded_.get({W, e, bias}, [&] { return with_kernel_layout(orders(), W.clone(), bias.clone()); });
}

std::vector<torch::Tensor> SemGraphConvImpl::folded() { return first_three(folded_forms()); }

torch::Tensor SemGraphConvImpl::forward(const torch::Tensor& x) {
  if (!inference_pass(*this)) return product(x) + bias;
  return sem_graph_folded(x, folded_forms(), false);
}

SemGraphBlockImpl::SemGraphBlockImpl(int64_t in, int64_t out, const torch::Tensor& adjacency, double p) {
  gconv = register_module("gconv", SemGraphConv(in, out, adjacency));
  bn = register_module("bn", torch::nn::BatchNorm1d(out));
  if (p > 0) dropout = register_module("dropout", torch::nn::Dropout(p));
}

std::vector<torch::Tensor> SemGraphBlockImpl::folded_forms() {
  SemGraphConvImpl& conv = *gconv;
  return folded_.get({conv.W, conv.e, conv.bias, bn->weight, bn->bias, bn->running_mean, bn->running_var}, [&] {
    const auto [scale, shift] = folded_batch_norm(conv.bias, *bn);
    return with_kernel_layout(conv.orders(), conv.W * scale, shift);
  });
}

std::vector<torch::Tensor> SemGraphBlockImpl::folded() { return first_three(folded_forms()); }

torch::Tensor SemGraphBlockImpl::forward(const torch::Tensor& x) {
  SemGraphConvImpl& conv = *gconv;
  if (inference_pass(*this)) return sem_graph_folded(x, folded_forms(), true);
  torch::Tensor y = bias_batch_norm_relu(conv.product(x), conv.bias, *bn);
  return dropout ? fast_dropout(y, dropout->options.p(), is_training(), 1) : y;
}

SemResidualBlockImpl::SemResidualBlockImpl(int64_t dim, const torch::Tensor& adjacency, double p) {
  gconv1 = register_module("gconv1", SemGraphBlock(dim, dim, adjacency, p));
  gconv2 = register_module("gconv2", SemGraphBlock(dim, dim, adjacency, p));
}

torch::Tensor SemResidualBlockImpl::forward(const torch::Tensor& x) { return x + gconv2(gconv1(x)); }

std::vector<torch::Tensor> SemResidualBlockImpl::folded() {
  std::vector<torch::Tensor> out = gconv1->folded();
  for (auto& t : gconv2->folded()) out.push_back(t);
  return out;
}

// ---------------------------------------------------------------- non-local

namespace {

torch::nn::Conv1d kaiming_conv1d(int64_t in, int64_t out) {
  torch::nn::Conv1d c(torch::nn::Conv1dOptions(in, out, 1));
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_normal_(c->weight);
  c->bias.zero_();
  return c;
}

// A 1x1 convolution's weight (out, in, 1) as the (in, out) matrix that multiplies (rows, in).
torch::Tensor conv_matrix(const torch::nn::Conv1dImpl& c) { return c.weight.squeeze(2).t(); }

}  // namespace

GraphNonLocalImpl::GraphNonLocalImpl(int64_t dim, const std::vector<int>& grouped_order, int group_size)
    : inter_(dim / 2), group_size_(group_size) {
  std::vector<int64_t> restored(grouped_order.size());
  for (size_t i = 0; i < grouped_order.size(); ++i) restored[static_cast<size_t>(grouped_order[i])] = static_cast<int64_t>(i);
  grouped_ = torch::tensor(std::vector<int64_t>(grouped_order.begin(), grouped_order.end()));
  restored_ = torch::tensor(restored);

  // Names follow the original module tree (g.0, phi.0, concat_project.0, W.0, W.1).
  g = register_module("g", torch::nn::Sequential(kaiming_conv1d(dim, inter_), torch::nn::MaxPool1d(group_size)));
  theta = register_module("theta", kaiming_conv1d(dim, inter_));
  phi = register_module("phi", torch::nn::Sequential(kaiming_conv1d(dim, inter_), torch::nn::MaxPool1d(group_size)));
  torch::nn::Conv2d project(torch::nn::Conv2dOptions(inter_ * 2, 1, 1).bias(false));
  torch::nn::BatchNorm1d bn(dim);
  {
    torch::NoGradGuard no_grad;
    torch::nn::init::kaiming_normal_(project->weight);
    // Zero scale and shift: the block starts as the identity.
    bn->weight.zero_();
    bn->bias.zero_();
  }
  // Kept as the original's module (its weight is concat_project.0.weight); forward() applies it
  // in factored form.
  concat_project = register_module("concat_project", torch::nn::Sequential(project, torch::nn::ReLU()));
  W = register_module("W", torch::nn::Sequential(kaiming_conv1d(inter_, dim), bn));
}

torch::Tensor GraphNonLocalImpl::forward(const torch::Tensor& x) {
  // The original permutes the joints into groups, runs 1x1 convolutions over (B, C, J), pools
  // each group and permutes back. The same on the joint-major rows: the three projections are one
  // GEMM, only the pooled branches are gathered into groups, and the output keeps the input's
  // joint order (each joint's result depends on its own theta, not on its position).
  const int64_t J = x.size(0), B = x.size(1), C = x.size(2);
  const auto& conv_g = *g[0]->as<torch::nn::Conv1d>();
  const auto& conv_phi = *phi[0]->as<torch::nn::Conv1d>();
  const torch::Tensor w = torch::cat({conv_matrix(conv_g), conv_matrix(conv_phi), conv_matrix(*theta)}, 1);
  const torch::Tensor b = torch::cat({conv_g.bias, conv_phi.bias, theta->bias});
  const torch::Tensor projected = torch::addmm(b, x.reshape({J * B, C}), w).view({J, B, 3 * inter_});
  const torch::Tensor theta_x = projected.narrow(2, 2 * inter_, inter_);  // (J, B, inter)
  // g and phi max-pooled over each group of joints: (N, B, inter) each. As the original's
  // pooling, a last joint that does not fill a group (17 joints in pairs) is left out.
  const int64_t groups = J / group_size_;
  const torch::Tensor pooled = std::get<0>(projected.narrow(2, 0, 2 * inter_)
                                               .index_select(0, grouped_.narrow(0, 0, groups * group_size_).to(x.device()))
                                               .view({groups, group_size_, B, 2 * inter_})
                                               .max(1));
  const torch::Tensor g_x = pooled.narrow(2, 0, inter_), phi_x = pooled.narrow(2, inter_, inter_);
  // The 1x1 convolution over the concatenation [theta_i ; phi_n] is w1 . theta_i + w2 . phi_n.
  const torch::Tensor weight = concat_project[0]->as<torch::nn::Conv2d>()->weight.view({2, inter_});
  const torch::Tensor a = torch::matmul(theta_x, weight[0]), c = torch::matmul(phi_x, weight[1]);  // (J, B), (N, B)
  const torch::Tensor f = torch::relu(a.unsqueeze(1) + c.unsqueeze(0)) / static_cast<double>(groups);  // (J, N, B)
  const torch::Tensor y = group_weighted_sum(f, g_x);  // (J, B, inter): y_j = sum_n f_jn g_n per pose
  const auto& out = *W[0]->as<torch::nn::Conv1d>();
  const torch::Tensor z =
      batch_norm(torch::addmm(out.bias, y.view({J * B, inter_}), conv_matrix(out)), *W[1]->as<torch::nn::BatchNorm1d>());
  return x + z.view({J, B, C});
}

std::vector<torch::Tensor> GraphNonLocalImpl::folded() {
  torch::NoGradGuard no_grad;
  auto conv = [](torch::nn::Sequential& s) { return s[0]->as<torch::nn::Conv1d>(); };
  auto matrix = [](const torch::nn::Conv1dImpl* c) { return conv_matrix(*c).contiguous(); };
  const torch::nn::Conv1dImpl* out = conv(W);
  auto& bn = *W[1]->as<torch::nn::BatchNorm1d>();
  const auto [scale, shift] = folded_batch_norm(out->bias, bn);
  return {grouped_.clone(),
          restored_.clone(),
          matrix(conv(g)),
          conv(g)->bias.clone(),
          matrix(theta.get()),
          theta->bias.clone(),
          matrix(conv(phi)),
          conv(phi)->bias.clone(),
          concat_project[0]->as<torch::nn::Conv2d>()->weight.view({2, inter_}).clone(),
          (matrix(out) * scale).contiguous(),
          shift.clone()};
}

// ---------------------------------------------------------------- model

SemGcnModel::SemGcnModel(const ModelConfig& c, bool with_nonlocal) : LiftingNetwork(c) {
  const ModelConfig cfg = config();
  const Skeleton& skeleton = h36m_skeleton_for(cfg.joints, "semgcn");
  const torch::Tensor adjacency = skeleton_adjacency(skeleton);
  const double p = cfg.dropout;
  const std::vector<int> order = skeleton.nonlocal_order();
  const int group_size = static_cast<int>(skeleton.nonlocal_groups.front().size());

  gconv_input = register_module("gconv_input", torch::nn::ModuleList());
  gconv_layers = register_module("gconv_layers", torch::nn::ModuleList());
  input_block_ = SemGraphBlock(2, cfg.hid_dim, adjacency, p);
  gconv_input->push_back(input_block_);
  if (with_nonlocal) {
    nonlocal_.emplace_back(cfg.hid_dim, order, group_size);
    gconv_input->push_back(nonlocal_.back());
  }
  for (int i = 0; i < cfg.num_layers; ++i) {
    blocks_.emplace_back(cfg.hid_dim, adjacency, p);
    gconv_layers->push_back(blocks_.back());
    if (with_nonlocal) {
      nonlocal_.emplace_back(cfg.hid_dim, order, group_size);
      gconv_layers->push_back(nonlocal_.back());
    }
  }
  gconv_output = register_module("gconv_output", SemGraphConv(cfg.hid_dim, 3, adjacency));
}

double SemGcnModel::forward_flops_per_pose() const {
  const ModelConfig& c = config();
  const double J = c.joints, h = c.hid_dim;
  // Two weight GEMMs (self, neighbours) and two J x J mixings per layer.
  auto layer = [&](double in, double out) { return 2.0 * (2 * J * in * out + 2 * J * J * out); };
  double flops = layer(2, h) + 2.0 * c.num_layers * layer(h, h) + layer(h, 3);
  if (!nonlocal_.empty()) {
    // g, theta, phi (1x1 convolutions to h/2), the pairwise term, f g, and W back to h.
    const double inter = h / 2, pooled = J / 2;
    const double block = 2.0 * (3 * J * h * inter + J * pooled * 2 * inter + J * pooled * inter + J * inter * h);
    flops += static_cast<double>(nonlocal_.size()) * block;
  }
  return flops;
}

FoldedForm SemGcnModel::folded_form() const {
  FoldedForm f;
  f.kind = FoldedForm::Kind::semantic_graph;
  f.graph_layers = 2 * config().num_layers + 2;
  f.nonlocal_blocks = static_cast<int64_t>(nonlocal_.size());
  f.group_size = static_cast<int64_t>(h36m_skeleton_for(config().joints, "semgcn").nonlocal_groups.front().size());
  return f;
}

std::string semgcn_nonlocal_original_name(const ModelConfig&, const std::string& hoif_name) {
  static const std::regex nonlocal(R"(^(gconv_input|gconv_layers)\.(\d+)\.(g|theta|phi|concat_project|W)\.)");
  return std::regex_replace(hoif_name, nonlocal, "$1.$2.nonlocal.$3.");
}

std::vector<torch::Tensor> SemGcnModel::folded_layers() {
  std::vector<torch::Tensor> out = input_block_->folded();
  for (auto& block : blocks_)
    for (auto& t : block->folded()) out.push_back(t);
  for (auto& t : gconv_output->folded()) out.push_back(t);
  for (auto& block : nonlocal_)
    for (auto& t : block->folded()) out.push_back(t);
  return out;
}

torch::Tensor SemGcnModel::forward(const torch::Tensor& poses_2d) {
  torch::Tensor x = input_block_(to_joint_major(poses_2d));
  if (!nonlocal_.empty()) x = nonlocal_[0](x);
  for (size_t i = 0; i < blocks_.size(); ++i) {
    x = blocks_[i](x);
    if (!nonlocal_.empty()) x = nonlocal_[i + 1](x);
  }
  return from_joint_major(gconv_output(x));
}

}  // namespace hoif
