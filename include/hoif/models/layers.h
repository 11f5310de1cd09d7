#pragma once
// Small pieces shared by the graph networks.
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/dropout.h>
#include <torch/types.h>

namespace hoif {

// BatchNorm1d over the channels of a (B, J, C) tensor, statistics over batch and joints, as the
// originals do by transposing to (B, C, J).
torch::Tensor channel_batch_norm(torch::nn::BatchNorm1d& bn, const torch::Tensor& x);

// out[b, i, c] = sum_j a[i, j] x[b, j, c] for a (J, J) mixing matrix and a (B, J, C) batch, as one
// GEMM over a joint-major view (a broadcast matmul would run B tiny GEMMs).
torch::Tensor mix_joints(const torch::Tensor& a, const torch::Tensor& x);

// Xavier-uniform with gain 1.414 under PyTorch's fan rules for a 3-D (k, in, out) weight:
// fan_in = in * out, fan_out = k * out (what nn.init.xavier_uniform_ does in the originals).
torch::Tensor xavier_graph_weight(int64_t orders, int64_t in, int64_t out);
// uniform(+-1/sqrt(out)) of the given size.
torch::Tensor uniform_bias(int64_t size, int64_t out);

}  // namespace hoif
