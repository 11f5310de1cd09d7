#pragma once
// The channel products of every layer (channel_mm: activations times weights), on fp32 GEMMs
// (gemm.h) or, for inference, bf16 ones.
//
// bf16 inference. Within a Bf16Inference scope, the channel GEMMs of passes without autograd take
// bf16 operands and accumulate in fp32 (LibTorch hands bf16 products to oneDNN, whose AVX-512
// BF16 kernels run about twice the fp32 rate on this machine's CPU); everything between the
// GEMMs stays fp32. Off by default; a scope covers the calling thread only. Training never uses
// it: with autograd on, every product is fp32. docs/PERFORMANCE.md reports what it does to P1.
#include <torch/types.h>

namespace hoif {

class Bf16Inference {
 public:
  explicit Bf16Inference(bool enabled = true);
  ~Bf16Inference();
  Bf16Inference(const Bf16Inference&) = delete;
  Bf16Inference& operator=(const Bf16Inference&) = delete;

  static bool active();

 private:
  bool previous_;
};

// x (M, K) times w (K, N): through autograd when it records either operand (tracked_product in
// gemm.h); otherwise in fp32 (gemm.h), or with bf16 operands inside a Bf16Inference scope
// when autograd is off, M is large enough for the conversions to pay (single poses stay fp32)
// and both of w's sides are wide (input and output layers stay fp32).
torch::Tensor channel_mm(const torch::Tensor& x, const torch::Tensor& w);

// channel_mm without autograd, written into `out` (which may be a column range of a wider
// matrix): no temporary and no copy on the fp32 path.
void channel_mm_into(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& out);

}  // namespace hoif
