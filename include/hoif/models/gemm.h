#pragma once
// The fp32 matrix products of the fused layers, without autograd. On the CPU they call oneDNN's
// sgemm (the library LibTorch itself loads), which ran the layers' training products at about
// 200-215 GFLOP/s on 2 cores here against 145-170 for OpenBLAS through LibTorch
// (docs/PERFORMANCE.md, item 14);
// small products and any other device, dtype or layout go to LibTorch.
#include <torch/types.h>

namespace hoif {

// c = alpha a b + beta c, written into c. a (M, K), b (K, N), c (M, N) are 2-D float tensors
// whose rows or columns are contiguous, so transposed views and column ranges are taken as
// they are (except a transposed b larger than a and c together, computed as cᵀ = b' aᵀ from a
// copy of a, which oneDNN runs faster); with beta = 0, c's old values (NaN included) are not read.
void gemm(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& c, float alpha = 1.0f,
          float beta = 0.0f);

// alpha a b as a new tensor.
torch::Tensor matrix_product(const torch::Tensor& a, const torch::Tensor& b, float alpha = 1.0f);

// a b through autograd, with the forward product and both gradient products in gemm(). Each
// gradient is returned in its operand's layout (a transposed view of a weight gets the transpose
// of a contiguous gradient), so that the parameter's gradient needs no copy.
torch::Tensor tracked_product(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace hoif
