#include "hoif/training/weight_average.h"

#include <algorithm>
#include <stdexcept>

#include <torch/torch.h>

namespace hoif {

namespace {

template <typename Apply>
void for_each_pair(torch::nn::Module& average, const torch::nn::Module& model, Apply apply) {
  torch::NoGradGuard no_grad;
  const auto avg_params = average.parameters(), params = model.parameters();
  const auto avg_buffers = average.buffers(), buffers = model.buffers();
  if (avg_params.size() != params.size() || avg_buffers.size() != buffers.size())
    throw std::invalid_argument("weight average: the two models differ in structure");
  for (size_t i = 0; i < params.size(); ++i) apply(avg_params[i], params[i]);
  for (size_t i = 0; i < buffers.size(); ++i) apply(avg_buffers[i], buffers[i]);
}

}  // namespace

double weight_average_decay(double decay, int64_t step) {
  return std::min(decay, (1.0 + static_cast<double>(step)) / (10.0 + static_cast<double>(step)));
}

void update_weight_average(torch::nn::Module& average, const torch::nn::Module& model, double decay, int64_t step) {
  const double d = weight_average_decay(decay, step);
  for_each_pair(average, model, [d](torch::Tensor a, const torch::Tensor& m) {
    if (a.is_floating_point())
      a.lerp_(m, 1.0 - d);
    else
      a.copy_(m);
  });
}

void copy_weights(torch::nn::Module& average, const torch::nn::Module& model) {
  for_each_pair(average, model, [](torch::Tensor a, const torch::Tensor& m) { a.copy_(m); });
}

}  // namespace hoif
