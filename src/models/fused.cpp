#include "hoif/models/fused.h"

#include "hoif/models/batch_shard.h"
#include "hoif/models/gemm.h"
#include "hoif/models/channel_product.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <mutex>
#include <vector>

namespace hoif {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

// ------------------------------------------------------------------ row-by-channel kernels
// z is (rows, C) contiguous float. Sums over rows run in float over blocks of kBlock rows and
// are carried in double, per thread: single-pass, vectorisable and accurate.

constexpr int64_t kBlock = 64;

int64_t row_grain(int64_t channels) { return std::max<int64_t>(kBlock, 65536 / std::max<int64_t>(1, channels)); }

[[gnu::noinline]] void accumulate(const float* __restrict from, double* __restrict into, size_t n) {
  for (size_t i = 0; i < n; ++i) into[i] += from[i];
}

// Per-channel sums of two row functions: out1[c] = sum_r f1(r, c), out2[c] = sum_r f2(r, c),
// where add_row(r, acc1, acc2) adds row r into float accumulators.
template <class AddRow>
void channel_sums(int64_t rows, int64_t channels, AddRow&& add_row, std::vector<double>& out1,
                  std::vector<double>& out2) {
  const auto threads = static_cast<size_t>(at::get_num_threads());
  const auto C = static_cast<size_t>(channels);
  std::vector<double> partial(2 * threads * C, 0.0);
  at::parallel_for(0, rows, row_grain(channels), [&](int64_t begin, int64_t end) {
    double* d1 = &partial[2 * static_cast<size_t>(at::get_thread_num()) * C];
    double* d2 = d1 + C;
    std::vector<float> acc1(C), acc2(C);
    for (int64_t r0 = begin; r0 < end; r0 += kBlock) {
      std::fill(acc1.begin(), acc1.end(), 0.0f);
      std::fill(acc2.begin(), acc2.end(), 0.0f);
      for (int64_t r = r0; r < std::min(end, r0 + kBlock); ++r) add_row(r, acc1.data(), acc2.data());
      accumulate(acc1.data(), d1, C);
      accumulate(acc2.data(), d2, C);
    }
  });
  out1.assign(C, 0.0);
  out2.assign(C, 0.0);
  for (size_t t = 0; t < threads; ++t)
    for (size_t c = 0; c < C; ++c) {
      out1[c] += partial[2 * t * C + c];
      out2[c] += partial[(2 * t + 1) * C + c];
    }
}

template <class RowFn>
void for_rows(int64_t rows, int64_t channels, RowFn&& fn) {
  at::parallel_for(0, rows, row_grain(channels), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) fn(r);
  });
}

// One row of each kernel. The restrict-qualified pointers are what lets the compiler vectorise.

[[gnu::noinline, gnu::target_clones("avx2", "default")]] void add_moments(const float* __restrict z, const float* __restrict pivot, float* __restrict sum,
                 float* __restrict squares, int64_t C) {
  for (int64_t c = 0; c < C; ++c) {
    const float d = z[c] - pivot[c];
    sum[c] += d;
    squares[c] += d * d;
  }
}

[[gnu::noinline, gnu::target_clones("avx2", "default")]] void scale_shift_relu_row(const float* __restrict z, const float* __restrict scale, const float* __restrict shift,
                          float* __restrict y, int64_t C) {
  for (int64_t c = 0; c < C; ++c) y[c] = std::max(0.0f, z[c] * scale[c] + shift[c]);
}

// Sums of the gradient through the ReLU, g = gy where y > 0, and of g (z - mean).
[[gnu::noinline, gnu::target_clones("avx2", "default")]] void add_relu_grad_sums(const float* __restrict z, const float* __restrict y, const float* __restrict gy,
                        const float* __restrict mean, float* __restrict sum_g, float* __restrict sum_gx, int64_t C) {
  for (int64_t c = 0; c < C; ++c) {
    const float grad = gy[c];  // loaded unconditionally, so the loop vectorises
    const float g = y[c] > 0.0f ? grad : 0.0f;
    sum_g[c] += g;
    sum_gx[c] += g * (z[c] - mean[c]);
  }
}

// dz = g a + z b + c0, the BatchNorm gradient with its per-channel coefficients.
[[gnu::noinline, gnu::target_clones("avx2", "default")]] void batch_norm_relu_grad_row(const float* __restrict z, const float* __restrict y, const float* __restrict gy,
                              const float* __restrict a, const float* __restrict b, const float* __restrict c0,
                              float* __restrict dz, int64_t C) {
  for (int64_t c = 0; c < C; ++c) {
    const float grad = gy[c];
    dz[c] = (y[c] > 0.0f ? grad : 0.0f) * a[c] + z[c] * b[c] + c0[c];
  }
}

// y = max(0, z * scale + shift), per channel.
void scale_shift_relu(const float* z, const float* scale, const float* shift, float* y, int64_t rows, int64_t C) {
  for_rows(rows, C, [&](int64_t r) { scale_shift_relu_row(z + r * C, scale, shift, y + r * C, C); });
}

Tensor as_rows(const Tensor& t) { return t.contiguous().view({-1, t.size(-1)}); }

// Sums the vectors (and `count`) over the ranks of a data-parallel run in one allreduce; returns
// the summed count.
double sum_over_ranks(const BatchShard& shard, std::initializer_list<std::vector<double>*> vectors, double count) {
  std::vector<double> all;
  for (const auto* v : vectors) all.insert(all.end(), v->begin(), v->end());
  all.push_back(count);
  shard.sum_over_ranks(all.data(), static_cast<int64_t>(all.size()));
  auto from = all.begin();
  for (auto* v : vectors) {
    std::copy_n(from, v->size(), v->begin());
    from += static_cast<std::ptrdiff_t>(v->size());
  }
  return all.back();
}

// The moments s1, s2 of n rows about the pivot k made those of every rank's rows, about k = 0 and
// in double: this rank's mean and squares (sum of z, sum of z^2) are exact enough in double from
// its moments about its own first row, and their sums over the ranks then give the batch's.
double moments_over_ranks(const BatchShard& shard, float* k, std::vector<double>& s1, std::vector<double>& s2, double n) {
  for (size_t c = 0; c < s1.size(); ++c) {
    const double pivot = k[c], sum = s1[c] + n * pivot;
    s2[c] = s2[c] + 2 * pivot * s1[c] + n * pivot * pivot;
    s1[c] = sum;
    k[c] = 0;
  }
  return sum_over_ranks(shard, {&s1, &s2}, n);
}

// ------------------------------------------------------------------ bias + BatchNorm + ReLU

struct BiasBatchNormRelu : torch::autograd::Function<BiasBatchNormRelu> {
  static Tensor forward(AutogradContext* ctx, const Tensor& z_in, const Tensor& bias, const Tensor& gamma,
                        const Tensor& beta, Tensor running_mean, Tensor running_var, double momentum, double eps) {
    const Tensor z = as_rows(z_in);
    const int64_t rows = z.size(0), C = z.size(1);
    const float* zp = z.data_ptr<float>();
    // Moments about the first row, which keeps the single pass accurate when |mean| >> std.
    Tensor pivot = rows > 0 ? z[0].clone() : torch::zeros({C}, z.options());
    float* k = pivot.data_ptr<float>();
    std::vector<double> s1, s2;
    channel_sums(rows, C, [&](int64_t r, float* a, float* b) { add_moments(zp + r * C, k, a, b, C); }, s1, s2);
    double n = static_cast<double>(rows);
    if (const BatchShard* shard = batch_shard()) n = moments_over_ranks(*shard, k, s1, s2, n);

    Tensor mean = torch::empty({C}, z.options()), invstd = torch::empty({C}, z.options());
    Tensor scale = torch::empty({C}, z.options()), shift = torch::empty({C}, z.options());
    const Tensor g = gamma.contiguous(), bt = beta.contiguous(), bs = bias.contiguous();
    const float *gp = g.data_ptr<float>(), *bp = bt.data_ptr<float>(), *biasp = bs.data_ptr<float>();
    float *rm = running_mean.data_ptr<float>(), *rv = running_var.data_ptr<float>();
    float *meanp = mean.data_ptr<float>(), *invstdp = invstd.data_ptr<float>();
    float *scalep = scale.data_ptr<float>(), *shiftp = shift.data_ptr<float>();
    for (int64_t c = 0; c < C; ++c) {
      const double m = s1[c] / n, var = std::max(0.0, s2[c] / n - m * m), mu = k[c] + m;
      const double is = 1.0 / std::sqrt(var + eps);
      meanp[c] = static_cast<float>(mu);
      invstdp[c] = static_cast<float>(is);
      scalep[c] = static_cast<float>(gp[c] * is);
      shiftp[c] = static_cast<float>(bp[c] - mu * gp[c] * is);
      // The running mean sees the biased values; the running variance is the unbiased one.
      rm[c] = static_cast<float>((1 - momentum) * rm[c] + momentum * (mu + biasp[c]));
      rv[c] = static_cast<float>((1 - momentum) * rv[c] + momentum * var * n / std::max(1.0, n - 1));
    }
    // Written through raw pointers: mark the running statistics changed (see DerivedTensors).
    running_mean.unsafeGetTensorImpl()->bump_version();
    running_var.unsafeGetTensorImpl()->bump_version();
    Tensor y = torch::empty_like(z);
    scale_shift_relu(zp, scalep, shiftp, y.data_ptr<float>(), rows, C);
    ctx->save_for_backward({z, y, mean, invstd, g});
    ctx->saved_data["bias_shape"] = bias.sizes();
    ctx->saved_data["rows"] = n;
    return y.view(z_in.sizes());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &z = saved[0], &y = saved[1], &mean = saved[2], &invstd = saved[3], &gamma = saved[4];
    const Tensor gy = as_rows(grads[0]);
    const int64_t rows = z.size(0), C = z.size(1);
    const float *zp = z.data_ptr<float>(), *yp = y.data_ptr<float>(), *gp = gy.data_ptr<float>();
    const float *mp = mean.data_ptr<float>(), *ip = invstd.data_ptr<float>(), *wp = gamma.data_ptr<float>();

    // Gradient through the ReLU is gy where y > 0; sums of it and of it times (z - mean).
    std::vector<double> sg, sgx;
    channel_sums(
        rows, C, [&](int64_t r, float* a, float* b) { add_relu_grad_sums(zp + r * C, yp + r * C, gp + r * C, mp, a, b, C); },
        sg, sgx);

    Tensor dgamma = torch::empty({C}, z.options()), dbeta = torch::empty({C}, z.options());
    float *dgp = dgamma.data_ptr<float>(), *dbp = dbeta.data_ptr<float>();
    // gamma's and beta's gradients are this rank's part (the trainer sums them with the others);
    // the input's needs the sums over the whole batch.
    for (int64_t c = 0; c < C; ++c) {
      dgp[c] = static_cast<float>(sgx[c] * ip[c]);
      dbp[c] = static_cast<float>(sg[c]);
    }
    if (const BatchShard* shard = batch_shard()) sum_over_ranks(*shard, {&sg, &sgx}, 0.0);
    std::vector<float> a(static_cast<size_t>(C)), b(static_cast<size_t>(C)), c0(static_cast<size_t>(C));
    const double n = ctx->saved_data["rows"].toDouble();
    for (int64_t c = 0; c < C; ++c) {
      const double is = ip[c], w = wp[c];
      a[c] = static_cast<float>(w * is);
      b[c] = static_cast<float>(-w * is * is * is * sgx[c] / n);
      c0[c] = static_cast<float>(-w * is * sg[c] / n - b[c] * static_cast<double>(mp[c]));
    }
    Tensor dz = torch::empty_like(z);
    float* dp = dz.data_ptr<float>();
    for_rows(rows, C, [&](int64_t r) {
      batch_norm_relu_grad_row(zp + r * C, yp + r * C, gp + r * C, a.data(), b.data(), c0.data(), dp + r * C, C);
    });
    const Tensor dbias = torch::zeros(ctx->saved_data["bias_shape"].toIntVector(), z.options());
    return {dz.view(grads[0].sizes()), dbias, dgamma, dbeta, Tensor(), Tensor(), Tensor(), Tensor()};
  }
};

// ------------------------------------------------------------------ dropout

// A 32-bit integer hash (Wellons' lowbias32): two rounds, keyed by the two halves of the seed,
// give each call an independent, well-mixed uniform per element, in vectorisable 32-bit arithmetic.
inline uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  return x ^ (x >> 16);
}

// out = in * keep(i) * scale, keep(i) true with probability 1 - p.
// Element i is numbered index_base + i in the hash.
[[gnu::target_clones("avx2", "default")]] void dropout_range(const float* __restrict in, float* __restrict out,
                                                              int64_t begin, int64_t end, int64_t index_base,
                                                              uint64_t seed, uint32_t threshold, float scale) {
  const auto lo = static_cast<uint32_t>(seed), hi = static_cast<uint32_t>(seed >> 32);
  const auto first = static_cast<uint32_t>(index_base + begin);
  const int count = static_cast<int>(end - begin);
  const float* __restrict src = in + begin;
  float* __restrict dst = out + begin;
  for (int j = 0; j < count; ++j) {
    const uint32_t u = hash32(hash32((first + static_cast<uint32_t>(j)) ^ lo) + hi) >> 8;  // 24-bit uniform
    const uint32_t keep = 0u - static_cast<uint32_t>(u < threshold);  // all ones or zero: branch-free
    dst[j] = std::bit_cast<float>(std::bit_cast<uint32_t>(src[j]) & keep) * scale;
  }
}

// The elements of a batch dimension's rows [offset, offset + rows) of a global batch of
// global_rows: with the elements numbered as in the global batch's tensor, a shard's mask is
// the rows of the global batch's mask.
struct MaskNumbering {
  int64_t batch_dim = 0, offset = 0, global_rows = 0;
};

void apply_dropout_mask(const Tensor& in, Tensor& out, uint64_t seed, double p, const MaskNumbering& numbering) {
  const auto threshold = static_cast<uint32_t>((1.0 - p) * 16777216.0);
  const auto scale = static_cast<float>(1.0 / (1.0 - p));
  const int64_t inner = in.stride(numbering.batch_dim);  // contiguous: one row's elements
  const int64_t block = in.size(numbering.batch_dim) * inner;  // the rows of one leading index
  const int64_t outer = block == 0 ? 0 : in.numel() / block;
  const float* ip = in.data_ptr<float>();
  float* op = out.data_ptr<float>();
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t base = (o * numbering.global_rows + numbering.offset) * inner;
    at::parallel_for(0, block, 32768, [=](int64_t begin, int64_t end) {
      dropout_range(ip + o * block, op + o * block, begin, end, base, seed, threshold, scale);
    });
  }
}

MaskNumbering mask_numbering(const Tensor& x, int64_t batch_dim) {
  const BatchShard* shard = batch_shard();
  if (!shard) return {batch_dim, 0, x.size(batch_dim)};
  return {batch_dim, shard->offset, shard->global_rows};
}

struct Dropout : torch::autograd::Function<Dropout> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x_in, double p, int64_t batch_dim) {
    uint64_t seed = 0;
    {
      auto generator = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      seed = at::check_generator<at::CPUGeneratorImpl>(generator)->random64();
    }
    const Tensor x = x_in.contiguous();
    Tensor y = torch::empty_like(x);
    const MaskNumbering numbering = mask_numbering(x, batch_dim);
    apply_dropout_mask(x, y, seed, p, numbering);
    ctx->saved_data["seed"] = static_cast<int64_t>(seed);
    ctx->saved_data["p"] = p;
    ctx->saved_data["numbering"] = std::vector<int64_t>{numbering.batch_dim, numbering.offset, numbering.global_rows};
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const Tensor g = grads[0].contiguous();
    Tensor dx = torch::empty_like(g);
    const auto n = ctx->saved_data["numbering"].toIntVector();
    apply_dropout_mask(g, dx, static_cast<uint64_t>(ctx->saved_data["seed"].toInt()), ctx->saved_data["p"].toDouble(),
                       {n[0], n[1], n[2]});
    return {dx, Tensor(), Tensor()};
  }
};

// ------------------------------------------------------------------ sums over the ranks

// The sum over the ranks of a data-parallel run; its gradient is the sum of the ranks' gradients.
struct SumOverRanks : torch::autograd::Function<SumOverRanks> {
  static Tensor summed(const Tensor& t) {
    Tensor all = t.to(torch::kDouble).contiguous().clone();
    batch_shard()->sum_over_ranks(all.data_ptr<double>(), all.numel());
    return all.to(t.scalar_type());
  }
  static Tensor forward(AutogradContext*, const Tensor& t) { return summed(t); }
  static variable_list backward(AutogradContext*, variable_list grads) { return {summed(grads[0])}; }
};

// ------------------------------------------------------------------ small vector kernels

// acc[0..n) += c * src[0..n)
[[gnu::noinline, gnu::target_clones("avx2", "default")]] void axpy(float c, const float* __restrict src,
                                                                   float* __restrict acc, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] += c * src[i];
}

[[gnu::noinline, gnu::target_clones("avx2", "default")]] float dot(const float* __restrict a,
                                                                   const float* __restrict b, int64_t n) {
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// ------------------------------------------------------------------ group-weighted sum

// y[j, b, :] = sum_n f[j, n, b] g[n, b, :]: a (J, N) x (N, C) product per pose, which LibTorch's
// CPU bmm would run as one tiny GEMM call per pose. Loops over the poses instead; every operand
// of a pose stays in L1. g may be a view whose channels are contiguous.
struct GroupWeightedSum : torch::autograd::Function<GroupWeightedSum> {
  struct Shape {
    int64_t J, N, B, C, g_group, g_pose;  // g's strides (elements) between groups and poses
  };
  static Shape shape_of(const Tensor& f, const Tensor& g) {
    return {f.size(0), f.size(1), f.size(2), g.size(2), g.stride(0), g.stride(1)};
  }

  static Tensor forward(AutogradContext* ctx, const Tensor& f_in, const Tensor& g_in) {
    const Tensor f = f_in.contiguous(), g = g_in.stride(2) == 1 ? g_in : g_in.contiguous();
    const Shape s = shape_of(f, g);
    Tensor y = torch::zeros({s.J, s.B, s.C}, g.options());
    const float *pf = f.data_ptr<float>(), *pg = g.data_ptr<float>();
    float* py = y.data_ptr<float>();
    at::parallel_for(0, s.B, 8, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b)
        for (int64_t j = 0; j < s.J; ++j) {
          float* out = py + (j * s.B + b) * s.C;
          for (int64_t n = 0; n < s.N; ++n) axpy(pf[(j * s.N + n) * s.B + b], pg + n * s.g_group + b * s.g_pose, out, s.C);
        }
    });
    ctx->save_for_backward({f, g});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &f = saved[0], &g = saved[1], gy = grads[0].contiguous();
    const Shape s = shape_of(f, g);
    Tensor df = torch::empty_like(f), dg = torch::zeros({s.N, s.B, s.C}, g.options());
    const float *pf = f.data_ptr<float>(), *pg = g.data_ptr<float>(), *pgy = gy.data_ptr<float>();
    float *pdf = df.data_ptr<float>(), *pdg = dg.data_ptr<float>();
    at::parallel_for(0, s.B, 8, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b)
        for (int64_t j = 0; j < s.J; ++j) {
          const float* dy = pgy + (j * s.B + b) * s.C;
          for (int64_t n = 0; n < s.N; ++n) {
            const int64_t at = (j * s.N + n) * s.B + b;
            pdf[at] = dot(dy, pg + n * s.g_group + b * s.g_pose, s.C);
            axpy(pf[at], dy, pdg + (n * s.B + b) * s.C, s.C);
          }
        }
    });
    return {df, dg};
  }
};

// ------------------------------------------------------------------ high-order convolution

// Products first: the convolution is evaluated as out_k = (1 - alpha) M_k (X W_k) + alpha X0 W_k:
// the channel GEMMs of all K orders are one (J*B, Cin) x (Cin, K Cout) product, and the J x J
// mixing is applied to its narrow output by the kernel below, fused with the residual, bias and
// ReLU, without a mixed copy of the (wide) input. Training uses this order without a residual
// (HGCN, SemGCN) or when the orders are summed; HighOrderConvMixingFirst below otherwise.

// A (J, B, K, O) or, with k-stride 0, (J, B, O) joint-major operand of the mixing kernel.
struct OrderOperand {
  const float* data;
  int64_t k_stride;  // O: one slice per order; 0: the same slice for every order (or their sum)
};

// out[j, b, k] = scale * sum_i C_k[j, i] in[i, b, k] (+ q_scale q[j, b, k]) (+ bias_k) (ReLU),
// C_k = M_k, or M_k transposed for the backward pass; k-slices of O channels. With out.k_stride
// 0 the orders are summed into one slice.
void mix_joints_kernel(const Tensor& mixing, bool transposed, float scale, OrderOperand in, float* out,
                       int64_t out_k_stride, OrderOperand q, float q_scale, const float* bias, bool relu, int64_t J,
                       int64_t B, int64_t O) {
  const int64_t K = mixing.size(0) / J;
  const Tensor m = (transposed ? mixing.view({K, J, J}).transpose(1, 2) : mixing.view({K, J, J})).contiguous();
  const float* mp = m.data_ptr<float>();
  // For each output joint, the source joints with any non-zero coefficient.
  std::vector<std::vector<int64_t>> sources(static_cast<size_t>(J));
  for (int64_t j = 0; j < J; ++j)
    for (int64_t i = 0; i < J; ++i)
      for (int64_t k = 0; k < K; ++k)
        if (mp[(k * J + j) * J + i] != 0.0f) {
          sources[static_cast<size_t>(j)].push_back(i);
          break;
        }
  const int64_t in_row = in.k_stride ? K * O : O, out_row = out_k_stride ? K * O : O, q_row = q.k_stride ? K * O : O;
  at::parallel_for(0, J * B, std::max<int64_t>(1, 16384 / (K * O * J)), [&](int64_t begin, int64_t end) {
    std::vector<float> acc(static_cast<size_t>(out_row));
    for (int64_t r = begin; r < end; ++r) {
      const int64_t j = r / B, b = r % B;
      if (bias)
        std::copy(bias, bias + out_row, acc.begin());
      else
        std::fill(acc.begin(), acc.end(), 0.0f);
      if (q.data && (q.k_stride || !out_k_stride))
        axpy(q_scale, q.data + r * q_row, acc.data(), out_row);  // q has the output's layout
      else if (q.data)
        for (int64_t k = 0; k < K; ++k) axpy(q_scale, q.data + r * q_row, acc.data() + k * out_k_stride, O);  // each order
      for (const int64_t i : sources[static_cast<size_t>(j)]) {
        const float* src = in.data + (i * B + b) * in_row;
        for (int64_t k = 0; k < K; ++k) {
          const float c = mp[(k * J + j) * J + i];
          if (c != 0.0f) axpy(scale * c, src + k * in.k_stride, acc.data() + k * out_k_stride, O);
        }
      }
      float* dst = out + r * out_row;
      if (relu)
        for (int64_t c = 0; c < out_row; ++c) dst[c] = std::max(0.0f, acc[static_cast<size_t>(c)]);
      else
        std::copy(acc.begin(), acc.end(), dst);
    }
  });
}

// grad_M_k[j, i] = scale * sum_{b, o} g[j, b, k, o] p[i, b, k, o], only where M_k is non-zero
// (elsewhere the softmax passes no gradient). Where M_0 = I it is constant and its gradient,
// 16 of the entries, is discarded by the caller's autograd.
Tensor mixing_gradient(const Tensor& mixing, float scale, OrderOperand g, const float* p, int64_t J, int64_t B,
                       int64_t O) {
  const int64_t K = mixing.size(0) / J;
  const Tensor m = mixing.contiguous();
  const float* mp = m.data_ptr<float>();
  std::vector<int64_t> entries;  // (k * J + j) * J + i
  for (int64_t e = 0; e < K * J * J; ++e)
    if (mp[e] != 0.0f) entries.push_back(e);
  const auto threads = static_cast<size_t>(at::get_num_threads());
  std::vector<double> partial(threads * entries.size(), 0.0);
  const int64_t g_row = g.k_stride ? K * O : O;
  at::parallel_for(0, B, 16, [&](int64_t begin, int64_t end) {
    double* acc = &partial[static_cast<size_t>(at::get_thread_num()) * entries.size()];
    for (int64_t b = begin; b < end; ++b)
      for (size_t n = 0; n < entries.size(); ++n) {
        const int64_t e = entries[n], k = e / (J * J), j = (e / J) % J, i = e % J;
        acc[n] += dot(g.data + (j * B + b) * g_row + k * g.k_stride, p + (i * B + b) * K * O + k * O, O);
      }
  });
  Tensor out = torch::zeros({K * J, J}, mixing.options());
  float* op = out.data_ptr<float>();
  for (size_t t = 0; t < threads; ++t)
    for (size_t n = 0; n < entries.size(); ++n) op[entries[n]] += static_cast<float>(scale * partial[t * entries.size() + n]);
  return out;
}

// The forward computation shared by training and inference. Returns out (J, B, ·) and P = X W.
std::pair<Tensor, Tensor> high_order_forward(const Tensor& x, const Tensor& x0, const Tensor& mixing,
                                             const Tensor& w_all, const Tensor& bias, double alpha, bool sum_orders,
                                             bool relu) {
  const int64_t J = x.size(0), B = x.size(1), cin = x.size(2), K = mixing.size(0) / J, O = w_all.size(1) / K;
  const Tensor p = channel_mm(x.contiguous().view({J * B, cin}), w_all);  // (J*B, K O)
  // X0 W summed over the orders when they are summed: one narrow GEMM instead of four.
  const Tensor q = alpha == 0.0 ? Tensor()
                                : channel_mm(x0.contiguous().view({J * B, cin}),
                                             sum_orders ? w_all.view({cin, K, O}).sum(1) : w_all);
  Tensor out = torch::empty({J, B, sum_orders ? O : K * O}, x.options());
  const Tensor b = bias.defined() ? bias.contiguous() : Tensor();
  mix_joints_kernel(mixing, false, static_cast<float>(1.0 - alpha), {p.data_ptr<float>(), O}, out.data_ptr<float>(),
                    sum_orders ? 0 : O, {q.defined() ? q.data_ptr<float>() : nullptr, sum_orders ? 0 : O},
                    static_cast<float>(alpha), b.defined() ? b.data_ptr<float>() : nullptr, relu, J, B, O);
  return {out, p};
}

struct HighOrderConv : torch::autograd::Function<HighOrderConv> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& x0, const Tensor& mixing,
                        const Tensor& weight, double alpha, double beta, bool sum_orders) {
    const Tensor w_all = orders_side_by_side(beta == 1.0 ? weight : weight * beta);
    auto [out, p] = high_order_forward(x, x0, mixing, w_all, Tensor(), alpha, sum_orders, false);
    ctx->save_for_backward({x.contiguous(), x0.contiguous(), mixing, w_all, p});
    ctx->saved_data["alpha"] = alpha;
    ctx->saved_data["beta"] = beta;
    ctx->saved_data["sum_orders"] = sum_orders;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &x = saved[0], &x0 = saved[1], &mixing = saved[2], &w_all = saved[3], &p = saved[4];
    const double alpha = ctx->saved_data["alpha"].toDouble(), beta = ctx->saved_data["beta"].toDouble();
    const bool sum_orders = ctx->saved_data["sum_orders"].toBool();
    const int64_t J = x.size(0), B = x.size(1), cin = x.size(2), K = mixing.size(0) / J, O = w_all.size(1) / K;
    const Tensor gz = grads[0].contiguous();  // (J, B, K O) or (J, B, O)
    const int64_t gz_k = sum_orders ? 0 : O;

    // Gradient of P = X W: the transposed mixing applied to the output gradient.
    Tensor gp = torch::empty({J * B, K * O}, gz.options());
    mix_joints_kernel(mixing, true, static_cast<float>(1.0 - alpha), {gz.data_ptr<float>(), gz_k}, gp.data_ptr<float>(),
                      O, {nullptr, 0}, 0.0f, nullptr, false, J, B, O);
    const Tensor xv = x.view({J * B, cin});
    const Tensor gx = matrix_product(gp, w_all.t()).view(x.sizes());
    Tensor gw_all = matrix_product(xv.t(), gp);  // (Cin, K O)
    Tensor gx0;
    if (alpha != 0.0) {
      // Q = X0 W (summed over orders when the output sums them).
      const Tensor gq = gz.view({J * B, gz.numel() / std::max<int64_t>(1, J * B)});
      const Tensor x0v = x0.view({J * B, cin});
      const auto a = static_cast<float>(alpha);
      if (sum_orders) {
        gx0 = matrix_product(gq, w_all.view({cin, K, O}).sum(1).t(), a).view(x.sizes());
        gw_all.view({cin, K, O}).add_(matrix_product(x0v.t(), gq, a).unsqueeze(1));
      } else {
        gx0 = matrix_product(gq, w_all.t(), a).view(x.sizes());
        gemm(x0v.t(), gq, gw_all, a, 1.0f);
      }
    }
    const Tensor gw = gw_all.view({cin, K, O}).permute({1, 0, 2}).mul(beta);
    const Tensor gmix = ctx->needs_input_grad(2) ? mixing_gradient(mixing, static_cast<float>(1.0 - alpha),
                                                                   {gz.data_ptr<float>(), gz_k}, p.data_ptr<float>(), J, B, O)
                                                 : Tensor();
    return {gx, gx0, gmix, gw, Tensor(), Tensor(), Tensor()};
  }
};

// With a residual (HOIF-Net's hidden layers) training mixes the joints first:
//   H_k = (1 - alpha) M_k X + alpha X0,   out_k = H_k (beta W_k),
// which costs about 15 GEMM units of (J*B, Cin) x (Cin, Cout) per layer forward and backward
// against 24 for the product-first order (whose X0 W_k term doubles the channel GEMMs). The
// mixed copy H is four times the input, so the batch goes through in chunks of poses whose copy
// stays in cache while it is written and multiplied; it is kept for the backward pass (16 MB a
// layer at batch 256), which measured faster than recomputing it. Everything is a GEMM on
// strided views: the mixing of a chunk is (K J, J) x (J, b Cin) on the joint-major input, the
// edge-weight gradient (K J, b Cin) x (b Cin, J).
struct HighOrderConvMixingFirst : torch::autograd::Function<HighOrderConvMixingFirst> {
  // Rows b0..b0+n of every joint of a contiguous (J, B, C) tensor: a (J, n C) matrix with
  // leading dimension B C.
  static Tensor pose_rows(const Tensor& t, int64_t b0, int64_t n) {
    const int64_t B = t.size(1), C = t.size(2);
    return t.as_strided({t.size(0), n * C}, {B * C, 1}, t.storage_offset() + b0 * C);
  }

  // Poses b0..b0+n of a flat buffer holding every chunk's mixed copy in turn, as (K, J n, Cin).
  static Tensor chunk_of(const Tensor& mixed, int64_t b0, int64_t n, int64_t K, int64_t J, int64_t cin) {
    return mixed.narrow(0, K * J * b0 * cin, K * J * n * cin).view({K, J * n, cin});
  }

  // The chunk's mixed copy [H_0; H_1; ...] as (K, J n, Cin), written into `h`.
  static void mix_chunk(const Tensor& scaled_mixing, const Tensor& x, const Tensor& x0, double alpha, int64_t b0,
                        int64_t n, Tensor& h) {
    const int64_t J = x.size(0), cin = x.size(2), K = scaled_mixing.size(0) / J;
    gemm(scaled_mixing, pose_rows(x, b0, n), h.view({K * J, n * cin}));
    h.view({K, J, n, cin}).add_(x0.narrow(1, b0, n).unsqueeze(0), alpha);
  }

  static Tensor forward(AutogradContext* ctx, const Tensor& x_in, const Tensor& x0_in, const Tensor& mixing,
                        const Tensor& weight, double alpha, double beta) {
    const Tensor x = x_in.contiguous(), x0 = x0_in.contiguous(), w = weight * beta;
    const int64_t J = x.size(0), B = x.size(1), cin = x.size(2), K = mixing.size(0) / J, O = weight.size(2);
    const Tensor scaled_mixing = mixing * (1.0 - alpha);
    Tensor out = torch::empty({J, B, K * O}, x.options()), mixed = torch::empty({K * J * B * cin}, x.options());
    for (int64_t b0 = 0; b0 < B; b0 += kMixingFirstMaxBatch) {
      const int64_t n = std::min(kMixingFirstMaxBatch, B - b0);
      Tensor h = chunk_of(mixed, b0, n, K, J, cin), chunk_out = torch::empty({J * n, K * O}, x.options());
      mix_chunk(scaled_mixing, x, x0, alpha, b0, n, h);
      for (int64_t k = 0; k < K; ++k) gemm(h[k], w[k], chunk_out.narrow(1, k * O, O));
      out.narrow(1, b0, n).copy_(chunk_out.view({J, n, K * O}));
    }
    ctx->save_for_backward({x, mixing, w, mixed});
    ctx->saved_data["alpha"] = alpha;
    ctx->saved_data["beta"] = beta;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &x = saved[0], &mixing = saved[1], &w = saved[2], &mixed = saved[3];
    const double alpha = ctx->saved_data["alpha"].toDouble(), beta = ctx->saved_data["beta"].toDouble();
    const int64_t J = x.size(0), B = x.size(1), cin = x.size(2), K = mixing.size(0) / J, O = w.size(2);
    const Tensor g = grads[0].contiguous();  // (J, B, K O)
    const Tensor scaled_mixing = mixing * (1.0 - alpha), scaled_mixing_t = scaled_mixing.t().contiguous();
    Tensor gx = torch::empty_like(x), gx0 = torch::empty_like(x);
    Tensor gw = torch::zeros_like(w), gmix = torch::zeros_like(mixing);
    for (int64_t b0 = 0; b0 < B; b0 += kMixingFirstMaxBatch) {
      const int64_t n = std::min(kMixingFirstMaxBatch, B - b0);
      const Tensor h = chunk_of(mixed, b0, n, K, J, cin);
      Tensor gh = torch::empty({K, J * n, cin}, x.options());
      const Tensor g_chunk = g.narrow(1, b0, n).contiguous().view({J * n, K * O});
      for (int64_t k = 0; k < K; ++k) {
        const Tensor g_k = g_chunk.narrow(1, k * O, O);
        gemm(g_k, w[k].t(), gh[k]);
        gemm(h[k].t(), g_k, gw[k], 1.0f, 1.0f);
      }
      const Tensor gh_rows = gh.view({K * J, n * cin});
      gemm(scaled_mixing_t, gh_rows, pose_rows(gx, b0, n));
      Tensor gx0_rows = gx0.narrow(1, b0, n);
      at::sum_out(gx0_rows, gh.view({K, J, n, cin}), 0).mul_(alpha);
      if (ctx->needs_input_grad(2))
        gemm(gh_rows, pose_rows(x, b0, n).t(), gmix, static_cast<float>(1.0 - alpha), 1.0f);
    }
    return {gx, gx0, ctx->needs_input_grad(2) ? gmix : Tensor(), gw.mul_(beta), Tensor(), Tensor()};
  }
};

}  // namespace

std::pair<Tensor, Tensor> folded_batch_norm(const Tensor& bias, torch::nn::BatchNorm1dImpl& bn) {
  const Tensor scale = bn.weight * torch::rsqrt(bn.running_var + bn.options.eps());
  return {scale, bn.bias + (bias - bn.running_mean) * scale};
}

Tensor bias_batch_norm_relu(const Tensor& z, const Tensor& bias, torch::nn::BatchNorm1dImpl& bn) {
  if (bn.is_training()) {
    {
      torch::NoGradGuard no_grad;
      bn.num_batches_tracked.add_(1);
    }
    const double momentum = bn.options.momentum().value_or(0.1);
    return BiasBatchNormRelu::apply(z, bias, bn.weight, bn.bias, bn.running_mean, bn.running_var, momentum,
                                    bn.options.eps());
  }
  const auto [scale, shift] = folded_batch_norm(bias, bn);
  if (torch::GradMode::is_enabled()) return torch::relu(torch::addcmul(shift, z, scale));
  const Tensor rows = as_rows(z);
  Tensor y = torch::empty_like(rows);
  scale_shift_relu(rows.data_ptr<float>(), scale.contiguous().data_ptr<float>(), shift.contiguous().data_ptr<float>(),
                   y.data_ptr<float>(), rows.size(0), rows.size(1));
  return y.view(z.sizes());
}

Tensor batch_norm(const Tensor& z, torch::nn::BatchNorm1dImpl& bn) {
  if (!batch_shard() || !bn.is_training()) return bn.forward(z);
  double n = static_cast<double>(z.size(0));
  batch_shard()->sum_over_ranks(&n, 1);
  const Tensor mean = SumOverRanks::apply(z.sum(0)) / n;
  const Tensor centred = z - mean;
  const Tensor var = SumOverRanks::apply(centred.square().sum(0)) / n;
  {
    torch::NoGradGuard no_grad;
    const double momentum = bn.options.momentum().value_or(0.1);
    bn.num_batches_tracked.add_(1);
    bn.running_mean.mul_(1 - momentum).add_(mean, momentum);
    bn.running_var.mul_(1 - momentum).add_(var * (n / std::max(1.0, n - 1)), momentum);
  }
  return centred * torch::rsqrt(var + bn.options.eps()) * bn.weight + bn.bias;
}

Tensor group_weighted_sum(const Tensor& f, const Tensor& g) {
  if (!f.device().is_cpu() || f.scalar_type() != torch::kFloat || g.scalar_type() != torch::kFloat)
    return (f.unsqueeze(3) * g.unsqueeze(0)).sum(1);
  return GroupWeightedSum::apply(f, g);
}

Tensor fast_dropout(const Tensor& x, double p, bool training, int64_t batch_dim) {
  if (!training || p == 0.0) return x;
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat) return torch::dropout(x, p, training);
  return Dropout::apply(x, p, batch_dim);
}

Tensor high_order_conv(const Tensor& x, const Tensor& x0, const Tensor& mixing, const Tensor& weight, double alpha,
                       double beta, bool sum_orders) {
  if (alpha != 0.0 && !sum_orders) return HighOrderConvMixingFirst::apply(x, x0, mixing, weight, alpha, beta);
  // Undefined inputs are not allowed in a custom node: without a residual x stands in for x0
  // and receives no gradient through it.
  return HighOrderConv::apply(x, alpha == 0.0 ? x : x0, mixing, weight, alpha, beta, sum_orders);
}

// Inference with the joints mixed before the channel GEMMs: out_k = ((1 - alpha) M_k X + alpha X0) W_k.
// Half the GEMM work of high_order_forward when alpha != 0, for a mixed copy of the input four
// times its size — a good trade while that copy stays in cache, i.e. for small batches.
Tensor high_order_forward_mixing_first(const Tensor& x, const Tensor& x0, const Tensor& mixing, const Tensor& w_all,
                                       const Tensor& bias, double alpha, bool sum_orders, bool relu) {
  const int64_t J = x.size(0), B = x.size(1), cin = x.size(2), K = mixing.size(0) / J, O = w_all.size(1) / K;
  const Tensor xc = x.contiguous(), x0c = x0.contiguous();
  Tensor z = torch::empty({J * B, K * cin}, x.options());  // [H_0 | H_1 | ...]
  mix_joints_kernel(mixing, false, static_cast<float>(1.0 - alpha), {xc.data_ptr<float>(), 0}, z.data_ptr<float>(), cin,
                    {x0c.data_ptr<float>(), 0}, static_cast<float>(alpha), nullptr, false, J, B, cin);
  Tensor out;
  if (sum_orders) {
    out = channel_mm(z, w_all.view({cin, K, O}).permute({1, 0, 2}).reshape({K * cin, O}));
  } else {
    out = torch::empty({J * B, K * O}, x.options());
    for (int64_t k = 0; k < K; ++k) channel_mm_into(z.narrow(1, k * cin, cin), w_all.narrow(1, k * O, O), out.narrow(1, k * O, O));
  }
  if (bias.defined()) out.add_(bias);
  if (relu) out.relu_();
  return out.view({J, B, -1});
}

Tensor high_order_conv_folded(const Tensor& x, const Tensor& x0, const Tensor& mixing, const Tensor& weight,
                              const Tensor& bias, double alpha, bool sum_orders, bool relu, FoldedOrder order) {
  if (order == FoldedOrder::automatic)
    order = alpha != 0.0 && x.size(1) <= kMixingFirstMaxBatch ? FoldedOrder::mixing_first : FoldedOrder::product_first;
  if (order == FoldedOrder::mixing_first && alpha != 0.0)
    return high_order_forward_mixing_first(x, x0, mixing, weight, bias, alpha, sum_orders, relu);
  return high_order_forward(x, x0, mixing, weight, bias, alpha, sum_orders, relu).first;
}

// One GEMM then computes X W_k for all k.
Tensor orders_side_by_side(const Tensor& w) { return w.permute({1, 0, 2}).reshape({w.size(1), -1}); }

}  // namespace hoif
