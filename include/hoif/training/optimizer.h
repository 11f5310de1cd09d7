#pragma once
// The update of a training step in few memory passes. torch::optim::Adam makes seven passes
// over every parameter and clip_grad_norm_ three; for the 4.3M-parameter linear baseline at
// batch 64 that was half of the step. Same mathematics, same state (checkpoints interchange).
#include <unordered_set>

#include <torch/optim/adam.h>

namespace hoif {

// torch::optim::Adam (no AMSGrad) whose step is one fused pass per parameter.
class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
  // torch::nn::utils::clip_grad_norm_(parameters, max_norm) then step(), with the clipping
  // applied as the step reads the gradients instead of in a pass of its own (the gradients are
  // left unscaled). Returns the gradients' norm.
  double clip_and_step(double max_norm);
  // zero_grad() without its two passes over every gradient: the gradients are dropped, so the
  // next backward pass hands its gradient buffers to the parameters instead of adding them into
  // zeros. The steps are those of zero_grad() as long as every parameter that had a gradient gets
  // one again (true of these models, which use all their weights in every step); one that does
  // not is skipped by the step instead of moved by its moments alone.
  void drop_gradients();
  // Decoupled weight decay (AdamW, Loshchilov & Hutter 2019): every step first shrinks these
  // parameters by the factor 1 - lr * decay, lr being their group's rate at that step. Unlike
  // AdamOptions::weight_decay (an L2 term added to the gradient, which Adam then rescales per
  // weight), the pull towards zero is the same for every weight. Not saved with the state.
  void set_decoupled_weight_decay(double decay, const std::vector<torch::Tensor>& parameters);

 private:
  void update(double gradient_scale);
  double decoupled_decay_ = 0;
  std::unordered_set<const c10::TensorImpl*> decayed_;
};

// The global L2 norm of the parameters' gradients.
double gradient_norm(const std::vector<torch::Tensor>& parameters);

}  // namespace hoif
