#include "hoif/models/gemm.h"

#include <oneapi/dnnl/dnnl.h>
#include <torch/autograd.h>
#include <torch/torch.h>

#include <optional>

namespace hoif {

namespace {

// How a 2-D matrix lies in memory for a row-major GEMM: 'N' with rows `ld` apart, or 'T' (a
// transposed view) with columns `ld` apart.
struct Layout {
  char trans;
  int64_t ld;
};

std::optional<Layout> row_major_layout(const torch::Tensor& t) {
  const int64_t rows = t.size(0), cols = t.size(1);
  if (t.stride(1) == 1 && (rows <= 1 || t.stride(0) >= cols)) return Layout{'N', std::max<int64_t>(t.stride(0), cols)};
  if (t.stride(0) == 1 && (cols <= 1 || t.stride(1) >= rows)) return Layout{'T', std::max<int64_t>(t.stride(1), rows)};
  return std::nullopt;
}

// Products of fewer multiply-adds go to LibTorch: with them, a single pose's SemGCN and HOIF-Net
// ran slower through oneDNN (docs/PERFORMANCE.md), whose call costs more than it saves there.
constexpr int64_t kMinOneDnnWork = int64_t{1} << 20;

bool plain_cpu_float(const torch::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.dim() == 2; }

// lhs rhs written into an (M, N) tensor laid out like `like`: row-major, or column-major (a
// transposed view), which is computed as the row-major rhsᵀ lhsᵀ.
torch::Tensor product_in_layout_of(const torch::Tensor& like, const torch::Tensor& lhs, const torch::Tensor& rhs) {
  const auto layout = row_major_layout(like);
  if (layout && layout->trans == 'T') {
    torch::Tensor transposed = torch::empty({like.size(1), like.size(0)}, lhs.options());
    gemm(rhs.t(), lhs.t(), transposed);
    return transposed.t();
  }
  return matrix_product(lhs, rhs);
}

struct TrackedProduct : torch::autograd::Function<TrackedProduct> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a, const torch::Tensor& b) {
    ctx->save_for_backward({a, b});
    return matrix_product(a, b);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &a = saved[0], &b = saved[1];
    const torch::Tensor g = grads[0].contiguous();
    return {ctx->needs_input_grad(0) ? product_in_layout_of(a, g, b.t()) : torch::Tensor(),
            ctx->needs_input_grad(1) ? product_in_layout_of(b, a.t(), g) : torch::Tensor()};
  }
};

}  // namespace

void gemm(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& c, float alpha, float beta) {
  TORCH_CHECK(a.dim() == 2 && b.dim() == 2 && c.dim() == 2 && a.size(1) == b.size(0) && c.size(0) == a.size(0) &&
                  c.size(1) == b.size(1),
              "gemm: shapes ", a.sizes(), " x ", b.sizes(), " -> ", c.sizes());
  const int64_t M = c.size(0), N = c.size(1), K = a.size(1);
  if (M == 0 || N == 0) return;
  const auto la = row_major_layout(a), lb = row_major_layout(b), lc = row_major_layout(c);
  if (plain_cpu_float(a) && plain_cpu_float(b) && plain_cpu_float(c) && la && lb && lc && lc->trans == 'N' &&
      M * N * K >= kMinOneDnnWork) {
    // oneDNN's sgemm with a transposed b ran 2-3x slower than on row-major operands when b is the
    // large operand (the linear model's x Wᵀ at batch 64: 1.4 against 0.54 ms, docs/PERFORMANCE.md
    // item 17), so then cᵀ = b' aᵀ is computed instead, from a copy of the smaller a.
    if (la->trans == 'N' && lb->trans == 'T' && M * (K + N) < K * N) {
      torch::Tensor c_t = beta == 0.0f ? torch::empty({N, M}, c.options()) : c.t().contiguous();
      gemm(b.t(), a.t().contiguous(), c_t, alpha, beta);
      c.copy_(c_t.t());
      return;
    }
    const dnnl_status_t status = dnnl_sgemm(la->trans, lb->trans, M, N, K, alpha, a.data_ptr<float>(), la->ld,
                                            b.data_ptr<float>(), lb->ld, beta, c.data_ptr<float>(), lc->ld);
    TORCH_CHECK(status == dnnl_success, "gemm: oneDNN sgemm failed with status ", static_cast<int>(status));
    return;
  }
  torch::Tensor out = c;
  at::addmm_out(out, c, a, b, beta, alpha);
}

torch::Tensor matrix_product(const torch::Tensor& a, const torch::Tensor& b, float alpha) {
  torch::Tensor c = torch::empty({a.size(0), b.size(1)}, a.options());
  gemm(a, b, c, alpha, 0.0f);
  return c;
}

torch::Tensor tracked_product(const torch::Tensor& a, const torch::Tensor& b) {
  return TrackedProduct::apply(a, b);
}

}  // namespace hoif
