#pragma once
// The update of a training step in few memory passes. torch::optim::Adam makes seven passes
// over every parameter and clip_grad_norm_ three; for the 4.3M-parameter linear baseline at
// batch 64 that was half of the step. Same mathematics, same state (checkpoints interchange).
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

 private:
  void update(double gradient_scale);
};

// The global L2 norm of the parameters' gradients.
double gradient_norm(const std::vector<torch::Tensor>& parameters);

}  // namespace hoif
