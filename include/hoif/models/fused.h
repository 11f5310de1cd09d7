#pragma once
// Fused, layout-aware kernels of the graph networks (docs/PERFORMANCE.md explains the choices).
//
// Graph activations are joint-major, (J, B, C): mixing joints is one GEMM on the (J, B*C) view
// and the channel GEMMs run on the (J*B, C) rows, so no layer permutes or concatenates. The
// element-wise work around the GEMMs (bias, BatchNorm, ReLU) is one pass forward and two passes
// backward, in custom autograd nodes; in inference BatchNorm is folded into the weights.
#include <torch/nn/modules/batchnorm.h>
#include <torch/types.h>

namespace hoif {

// relu(batch_norm(z + bias)) over the last dimension of z (any leading shape), with bn's
// parameters, as the originals' conv-bias -> BatchNorm1d -> ReLU. Training mode uses the batch
// statistics and updates bn's running statistics; the bias then has an exactly zero gradient
// (BatchNorm removes it) and only moves the running mean. Eval mode is one scale-and-shift pass.
torch::Tensor bias_batch_norm_relu(const torch::Tensor& z, const torch::Tensor& bias, torch::nn::BatchNorm1dImpl& bn);

// The per-channel scale and shift that eval-mode bias_batch_norm_relu applies before the ReLU:
// what inference folds into the preceding weights.
std::pair<torch::Tensor, torch::Tensor> folded_batch_norm(const torch::Tensor& bias, torch::nn::BatchNorm1dImpl& bn);

// Inverted dropout (zero with probability p, scale the rest by 1 / (1 - p)) drawing its mask from
// a counter-based hash of one seed taken from LibTorch's generator: the mask costs a few
// instructions per element instead of a generator call, and backward recomputes it instead of
// storing it. Identity when not training or p = 0. `batch_dim` is x's batch dimension (0 for
// (B, F) features, 1 for joint-major (J, B, C)): in data-parallel training a rank's mask is its
// rows of the mask the whole batch would get (models/batch_shard.h).
torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool training, int64_t batch_dim);

// bn's forward over (rows, C); in data-parallel training (models/batch_shard.h) with the
// statistics of every rank's rows, as PyTorch's SyncBatchNorm.
torch::Tensor batch_norm(const torch::Tensor& z, torch::nn::BatchNorm1dImpl& bn);

// y[j, b, :] = sum_n f[j, n, b] g[n, b, :] for f (J, N, B) and g (N, B, C): the non-local
// block's weighting of the pooled groups, per pose. Differentiable in f and g.
torch::Tensor group_weighted_sum(const torch::Tensor& f, const torch::Tensor& g);

// The graph convolution of all the GCN models, without its bias: for each of K orders,
//   H_k = (1 - alpha) M_k X + alpha X0,   out_k = H_k (beta W_k),
// concatenated over channels (J, B, K Cout) or summed (J, B, Cout).
// x, x0: (J, B, Cin), x0 undefined when alpha = 0; mixing: (K J, J), the M_k stacked;
// weight: (K, Cin, Cout). HGCN and HOIF-Net: K = 4 walk lengths, M_0 = I. SemGCN: K = 2, the
// diagonal and the off-diagonal of its softmaxed adjacency, summed, alpha = 0.
// Differentiable in x, x0, mixing and weight.
torch::Tensor high_order_conv(const torch::Tensor& x, const torch::Tensor& x0, const torch::Tensor& mixing,
                              const torch::Tensor& weight, double alpha, double beta, bool sum_orders);

// W (K, Cin, Cout) -> (Cin, K Cout), the orders side by side (the layout the kernels take).
torch::Tensor orders_side_by_side(const torch::Tensor& weight);

// Inference form with everything folded: out = [relu](concat_k H_k W_k + bias) or the summed
// variant; weight (Cin, K Cout) side by side, it and the bias already scaled by beta and the
// BatchNorm. No autograd. With a residual (alpha != 0) the order of the two products matters:
// product_first computes X W and X0 W and mixes their narrow outputs (what training does);
// mixing_first mixes the input and multiplies once, half the GEMM work for a mixed copy four
// times the input's size. automatic: mixing_first up to kMixingFirstMaxBatch poses.
enum class FoldedOrder { automatic, product_first, mixing_first };
inline constexpr int64_t kMixingFirstMaxBatch = 64;
torch::Tensor high_order_conv_folded(const torch::Tensor& x, const torch::Tensor& x0, const torch::Tensor& mixing,
                                     const torch::Tensor& weight, const torch::Tensor& bias, double alpha,
                                     bool sum_orders, bool relu, FoldedOrder order = FoldedOrder::automatic);

}  // namespace hoif
