#pragma once
// An exponential moving average of a model's weights and BatchNorm statistics, updated after each
// optimizer step. Short budgeted runs end on a noisy random walk of the weights (Adam moves every
// weight by about lr per step whatever the gradient) and on running statistics estimated from the
// last few batches; the average evaluates the neighbourhood instead of the last point.
#include <cstdint>

#include <torch/nn/module.h>

namespace hoif {

// The decay used at optimizer step `step` (1-based): min(decay, (1 + step) / (10 + step)), so the
// first steps do not drag the average towards the random initialisation.
double weight_average_decay(double decay, int64_t step);

// average <- d * average + (1 - d) * model for every parameter and floating-point buffer, with
// d = weight_average_decay(decay, step); integer buffers (BatchNorm's batch counters) are copied.
// The two modules must have the same structure.
void update_weight_average(torch::nn::Module& average, const torch::nn::Module& model, double decay, int64_t step);

// average <- model, exactly.
void copy_weights(torch::nn::Module& average, const torch::nn::Module& model);

}  // namespace hoif
