#pragma once
// Running a model over a set of 2D poses (eval mode, no autograd) and scoring it.
#include <torch/types.h>

#include "hoif/core/array.h"
#include "hoif/data/dataset.h"
#include "hoif/evaluation/report.h"
#include "hoif/models/lifter.h"

namespace hoif {

// (N, J, 2) -> (N, J, 3) in batches. Small batches keep each layer's tensors in cache: on 2 cores
// HOIF-Net evaluates 52k poses in 17 s at batch 256 and 58 s at batch 4096.
// flip_test: also lift each mirrored pose, mirror the result back and average the two.
ArrayF predict_poses(PoseLifter& model, const ArrayF& inputs, const torch::Device& device, bool flip_test = false,
                     int64_t batch_size = 256);

// Protocol 1 and 2 for the model on a pose set (predictions centred on their root for P1).
EvaluationReport evaluate_model(PoseLifter& model, const PoseSet& set, const torch::Device& device, bool flip_test = false,
                                ArrayF* predictions = nullptr);

// The trivial baseline: every prediction is the mean training pose; pooled P1 in mm.
double mean_pose_baseline_p1(const PoseSet& train, const PoseSet& test);

}  // namespace hoif
