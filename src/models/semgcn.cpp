#include "hoif/models/semgcn.h"

#include <torch/torch.h>

#include "hoif/models/layers.h"

namespace hoif {

// ---------------------------------------------------------------- layers

SemGraphConvImpl::SemGraphConvImpl(int64_t in, int64_t out, const torch::Tensor& adjacency)
    : edges_(walk_mask(adjacency, 0) | walk_mask(adjacency, 1)) {
  W = register_parameter("W", xavier_graph_weight(2, in, out));
  e = register_parameter("e", edges_.initial_weights());
  bias = register_parameter("bias", uniform_bias(out, out));
}

torch::Tensor SemGraphConvImpl::forward(const torch::Tensor& x) {
  const torch::Tensor a = edges_(e);
  const torch::Tensor eye = torch::eye(a.size(0), a.options());
  const torch::Tensor h0 = torch::matmul(x, W[0]), h1 = torch::matmul(x, W[1]);
  return torch::matmul(a * eye, h0) + torch::matmul(a * (1 - eye), h1) + bias;
}

SemGraphBlockImpl::SemGraphBlockImpl(int64_t in, int64_t out, const torch::Tensor& adjacency, double p) {
  gconv = register_module("gconv", SemGraphConv(in, out, adjacency));
  bn = register_module("bn", torch::nn::BatchNorm1d(out));
  if (p > 0) dropout = register_module("dropout", torch::nn::Dropout(p));
}

torch::Tensor SemGraphBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = torch::relu(channel_batch_norm(bn, gconv(x)));
  return dropout ? dropout(y) : y;
}

SemResidualBlockImpl::SemResidualBlockImpl(int64_t dim, const torch::Tensor& adjacency, double p) {
  gconv1 = register_module("gconv1", SemGraphBlock(dim, dim, adjacency, p));
  gconv2 = register_module("gconv2", SemGraphBlock(dim, dim, adjacency, p));
}

torch::Tensor SemResidualBlockImpl::forward(const torch::Tensor& x) { return x + gconv2(gconv1(x)); }

// ---------------------------------------------------------------- non-local

namespace {

torch::nn::Conv1d kaiming_conv1d(int64_t in, int64_t out) {
  torch::nn::Conv1d c(torch::nn::Conv1dOptions(in, out, 1));
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_normal_(c->weight);
  c->bias.zero_();
  return c;
}

}  // namespace

GraphNonLocalImpl::GraphNonLocalImpl(int64_t dim, const std::vector<int>& grouped_order, int group_size)
    : inter_(dim / 2) {
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
  concat_project = register_module("concat_project", torch::nn::Sequential(project, torch::nn::ReLU()));
  W = register_module("W", torch::nn::Sequential(kaiming_conv1d(inter_, dim), bn));
}

torch::Tensor GraphNonLocalImpl::forward(const torch::Tensor& x) {
  const torch::Tensor xg = x.index_select(1, grouped_.to(x.device())).transpose(1, 2);  // (B, C, J)
  const int64_t b = xg.size(0);
  const torch::Tensor g_x = g->forward(xg).transpose(1, 2);  // (B, N, inter)
  const torch::Tensor theta_x = theta(xg).unsqueeze(3);      // (B, inter, J, 1)
  const torch::Tensor phi_x = phi->forward(xg).unsqueeze(2);  // (B, inter, 1, N)
  const int64_t h = theta_x.size(2), w = phi_x.size(3);
  const torch::Tensor pairs = torch::cat({theta_x.expand({-1, -1, h, w}), phi_x.expand({-1, -1, h, w})}, 1);
  const torch::Tensor f = concat_project->forward(pairs).view({b, h, w}) / static_cast<double>(w);
  const torch::Tensor y = torch::matmul(f, g_x).transpose(1, 2).contiguous();  // (B, inter, J)
  const torch::Tensor z = W->forward(y) + xg;
  return z.transpose(1, 2).index_select(1, restored_.to(x.device()));
}

// ---------------------------------------------------------------- model

SemGcnModel::SemGcnModel(const ModelConfig& c) : PoseLifter(c) {
  const ModelConfig cfg = config();
  const Skeleton& skeleton = h36m_skeleton_for(cfg.joints, "semgcn");
  const torch::Tensor adjacency = skeleton_adjacency(skeleton);
  const double p = cfg.dropout;
  const bool with_nonlocal = cfg.name == "semgcn-nonlocal";
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

torch::Tensor SemGcnModel::forward(const torch::Tensor& poses_2d) {
  torch::Tensor x = input_block_(poses_2d);
  if (!nonlocal_.empty()) x = nonlocal_[0](x);
  for (size_t i = 0; i < blocks_.size(); ++i) {
    x = blocks_[i](x);
    if (!nonlocal_.empty()) x = nonlocal_[i + 1](x);
  }
  return gconv_output(x);
}

}  // namespace hoif
