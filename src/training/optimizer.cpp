#include "hoif/training/optimizer.h"

#include <ATen/Parallel.h>
#include <c10/util/string_utils.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace hoif {

namespace {

bool fusable(const torch::Tensor& t) {
  return t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.is_contiguous();
}

constexpr int64_t kGrain = 32768;

std::vector<torch::Tensor> parameters_of(const std::vector<torch::optim::OptimizerParamGroup>& groups) {
  std::vector<torch::Tensor> all;
  for (const auto& group : groups) all.insert(all.end(), group.params().begin(), group.params().end());
  return all;
}

// One pass of Adam over [begin, end) of gradients scaled by gradient_scale: the moments, then the
// step, applied to the weights shrunk by `shrink` (decoupled weight decay; 1 leaves them exact).
[[gnu::target_clones("avx2", "default")]] void adam_range(float* __restrict p, float* __restrict m,
                                                           float* __restrict v, const float* __restrict grad,
                                                           int64_t begin, int64_t end, float beta1, float beta2,
                                                           float one_minus_beta1, float one_minus_beta2,
                                                           float gradient_scale, float decay, float inv_sqrt_bc2,
                                                           float eps, float step_size, float shrink) {
  for (int64_t i = begin; i < end; ++i) {
    const float g = grad[i] * gradient_scale + decay * p[i];
    const float mi = m[i] * beta1 + one_minus_beta1 * g;
    const float vi = v[i] * beta2 + one_minus_beta2 * g * g;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * shrink - step_size * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
  }
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  update(1.0);
  return loss;
}

double FusedAdam::clip_and_step(double max_norm) {
  const double norm = gradient_norm(parameters_of(param_groups_));
  // torch::nn::utils::clip_grad_norm_'s factor, applied only when it shrinks the gradients.
  update(std::min(1.0, max_norm / (norm + 1e-6)));
  return norm;
}

void FusedAdam::drop_gradients() {
  for (auto& group : param_groups_)
    for (auto& p : group.params())
      if (p.grad().defined()) p.mutable_grad().reset();
}

void FusedAdam::set_decoupled_weight_decay(double decay, const std::vector<torch::Tensor>& parameters) {
  decoupled_decay_ = decay;
  decayed_.clear();
  for (const auto& p : parameters) decayed_.insert(p.unsafeGetTensorImpl());
}

void FusedAdam::update(double gradient_scale) {
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    TORCH_CHECK(!o.amsgrad(), "FusedAdam: AMSGrad is not supported");
    const auto [beta1, beta2] = o.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      // The state under torch::optim::Adam's key and layout, so checkpoints interchange.
      const std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto s = std::make_unique<torch::optim::AdamParamState>();
        s->step(0);
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.emplace(key, std::move(s)).first;
      }
      auto& s = static_cast<torch::optim::AdamParamState&>(*it->second);
      s.step(s.step() + 1);
      const double bc1 = 1 - std::pow(beta1, static_cast<double>(s.step()));
      const double bc2 = 1 - std::pow(beta2, static_cast<double>(s.step()));
      const double step_size = o.lr() / bc1, inv_sqrt_bc2 = 1.0 / std::sqrt(bc2), eps = o.eps(),
                   decay = o.weight_decay();
      const double shrink = decayed_.count(p.unsafeGetTensorImpl()) ? 1 - o.lr() * decoupled_decay_ : 1.0;
      torch::Tensor grad = p.grad(), m = s.exp_avg(), v = s.exp_avg_sq();
      if (!(fusable(p) && fusable(grad) && fusable(m) && fusable(v))) {
        // Any other device or layout: torch::optim::Adam's sequence of operations.
        if (gradient_scale != 1.0) grad = grad.mul(static_cast<float>(gradient_scale));
        if (decay != 0) grad = grad.add(p, decay);
        m.mul_(beta1).add_(grad, 1 - beta1);
        v.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
        if (shrink != 1.0) p.mul_(shrink);
        p.addcdiv_(m, (v.sqrt() * inv_sqrt_bc2).add_(eps), -step_size);
        continue;
      }
      float *pp = p.data_ptr<float>(), *mp = m.data_ptr<float>(), *vp = v.data_ptr<float>();
      const float* gp = grad.data_ptr<float>();
      const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2), c1 = static_cast<float>(1 - beta1),
                 c2 = static_cast<float>(1 - beta2), wd = static_cast<float>(decay),
                 rs = static_cast<float>(inv_sqrt_bc2), ep = static_cast<float>(eps),
                 lr = static_cast<float>(step_size), gs = static_cast<float>(gradient_scale),
                 sh = static_cast<float>(shrink);
      at::parallel_for(0, p.numel(), kGrain, [=](int64_t begin, int64_t end) {
        adam_range(pp, mp, vp, gp, begin, end, b1, b2, c1, c2, gs, wd, rs, ep, lr, sh);
      });
      // Written through raw pointers: tell whoever caches derived tensors that p changed.
      for (auto* t : {&p, &m, &v}) t->unsafeGetTensorImpl()->bump_version();
    }
  }
}

double gradient_norm(const std::vector<torch::Tensor>& parameters) {
  torch::NoGradGuard no_grad;
  double squares = 0.0;
  for (const auto& p : parameters) {
    if (!p.grad().defined()) continue;
    const torch::Tensor& g = p.grad();
    if (!fusable(g)) {
      squares += g.pow(2).sum().item<double>();
      continue;
    }
    const float* gp = g.data_ptr<float>();
    squares += at::parallel_reduce(
        0, g.numel(), kGrain, 0.0,
        [gp](int64_t begin, int64_t end, double acc) {
          // Float sums over blocks of 4096, carried in double.
          for (int64_t b = begin; b < end; b += 4096) {
            const float* __restrict g = gp;
            float block = 0.0f;
            for (int64_t i = b; i < std::min(end, b + 4096); ++i) block += g[i] * g[i];
            acc += block;
          }
          return acc;
        },
        std::plus<double>());
  }
  return std::sqrt(squares);
}

}  // namespace hoif
