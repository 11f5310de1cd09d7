#pragma once
// Scoring a model on a pose set: Protocol 1 and 2 of its predictions (inference/predict.h).
#include <torch/types.h>

#include "hoif/core/array.h"
#include "hoif/data/dataset.h"
#include "hoif/evaluation/report.h"
#include "hoif/models/network.h"

namespace hoif {

// Protocol 1 and 2 for the model on a pose set (predictions centred on their root for P1).
EvaluationReport evaluate_model(LiftingNetwork& model, const PoseSet& set, const torch::Device& device, bool flip_test = false,
                                ArrayF* predictions = nullptr);

// The trivial baseline: every prediction is the mean training pose; pooled P1 in mm.
double mean_pose_baseline_p1(const PoseSet& train, const PoseSet& test);

}  // namespace hoif
