#pragma once
// Running a model over 2D poses: eval mode, no autograd, in batches, optionally with flip
// test-time averaging. What lifting, evaluation, training's evaluations, viz and bench share.
#include <torch/types.h>

#include "hoif/core/array.h"
#include "hoif/models/network.h"

namespace hoif {

// (N, J, 2) -> (N, J, 3) in batches. Small batches keep each layer's tensors in cache: on 2 cores
// HOIF-Net evaluates 52k poses in 17 s at batch 256 and 58 s at batch 4096.
// flip_test: also lift each mirrored pose, mirror the result back and average the two.
// Predictions that are not finite (a broken model) are an Error.
ArrayF predict_poses(LiftingNetwork& model, const ArrayF& inputs, const torch::Device& device, bool flip_test = false,
                     int64_t batch_size = 256);

}  // namespace hoif
