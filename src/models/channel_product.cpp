#include "hoif/models/channel_product.h"
#include "hoif/models/gemm.h"

#include <torch/torch.h>

#include <algorithm>

namespace hoif {

namespace {

thread_local bool bf16_inference = false;

// Below this many rows the two conversions and oneDNN's call overhead cost more than they save.
constexpr int64_t kMinBf16Rows = 256;
// Narrow products (a graph network's 2-channel input layer, any 3-channel output layer) cost
// nothing in fp32, and rounding the 2D input or the 3D output to bf16's 8 bits is what moves P1.
constexpr int64_t kMinBf16Width = 64;

bool bf16_product(const torch::Tensor& x, const torch::Tensor& w) {
  return bf16_inference && !torch::GradMode::is_enabled() && x.size(0) >= kMinBf16Rows &&
         std::min(w.size(0), w.size(1)) >= kMinBf16Width && x.device().is_cpu();
}

torch::Tensor bf16_mm(const torch::Tensor& x, const torch::Tensor& w) {
  return torch::mm(x.to(torch::kBFloat16), w.to(torch::kBFloat16)).to(torch::kFloat);
}

}  // namespace

Bf16Inference::Bf16Inference(bool enabled) : previous_(bf16_inference) { bf16_inference = enabled; }
Bf16Inference::~Bf16Inference() { bf16_inference = previous_; }
bool Bf16Inference::active() { return bf16_inference; }

torch::Tensor channel_mm(const torch::Tensor& x, const torch::Tensor& w) {
  const bool recorded = torch::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad());
  if (recorded) return tracked_product(x, w);
  return bf16_product(x, w) ? bf16_mm(x, w) : matrix_product(x, w);
}

void channel_mm_into(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& out) {
  if (bf16_product(x, w))
    out.copy_(bf16_mm(x, w));
  else
    gemm(x, w, out);
}

}  // namespace hoif
