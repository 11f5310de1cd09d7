#include "hoif/evaluation/evaluate.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "hoif/core/error.h"
#include "hoif/evaluation/metrics.h"
#include "hoif/inference/predict.h"

namespace hoif {

EvaluationReport evaluate_model(LiftingNetwork& model, const PoseSet& set, const torch::Device& device, bool flip_test,
                                ArrayF* predictions) {
  ArrayF predicted = predict_poses(model, set.inputs, device, flip_test);
  EvaluationReport report = protocol_report(predicted, set.targets, set.info, set.subjects);
  if (predictions) *predictions = std::move(predicted);
  return report;
}

double mean_pose_baseline_p1(const PoseSet& train, const PoseSet& test) {
  const int64_t J = train.num_joints;
  std::vector<double> mean(static_cast<size_t>(J * 3), 0.0);
  for (int64_t i = 0; i < train.targets.size(); ++i) mean[static_cast<size_t>(i % (J * 3))] += train.targets.values[static_cast<size_t>(i)];
  for (double& m : mean) m /= static_cast<double>(std::max<int64_t>(1, train.size()));
  ArrayF predicted({test.size(), J, 3});
  for (int64_t i = 0; i < predicted.size(); ++i) predicted.values[static_cast<size_t>(i)] = static_cast<float>(mean[static_cast<size_t>(i % (J * 3))]);
  return 1000.0 * hoif::mean(mpjpe_per_frame(root_relative(predicted), test.targets));
}

}  // namespace hoif
