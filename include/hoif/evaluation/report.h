#pragma once
// The Human3.6M evaluation protocol: for each action, pool S9 and S11 over all cameras and takes
// and take the frame-weighted mean; the headline is the unweighted mean over the actions.
#include <string>
#include <vector>

#include "hoif/core/array.h"
#include "hoif/data/dataset.h"

namespace hoif {

struct ActionResult {
  std::string action;
  double p1 = 0, p2 = 0;  // millimetres
  int64_t poses = 0;
};

struct EvaluationReport {
  std::vector<ActionResult> per_action;  // the actions present, in h36m_actions() order
  double p1 = 0, p2 = 0;                 // unweighted mean over per_action, millimetres
  double p1_pooled = 0, p2_pooled = 0;   // mean over all poses (what the originals log per epoch)
  std::vector<std::pair<std::string, double>> per_joint;  // P1 of each joint over all poses, mm (when known)
  // How far the predicted size is off (when known): P1 after scaling each prediction by the
  // factor that fits it best (N-MPJPE, all poses pooled, mm), and that factor's mean per subject
  // (1: the right size; above 1: predictions too small).
  double n_p1_pooled = 0;
  std::vector<std::pair<std::string, double>> scale_per_subject;
  int64_t poses = 0;
};

// Per-frame errors in metres grouped by action. P1 centres both poses on their root joint.
// `subjects` names PoseInfo::subject.
EvaluationReport protocol_report(const ArrayF& predicted, const ArrayF& target, const std::vector<PoseInfo>& info,
                                 const std::vector<std::string>& subjects);
// The same from per-frame errors (metres) already computed.
EvaluationReport protocol_report(const std::vector<double>& p1, const std::vector<double>& p2,
                                 const std::vector<PoseInfo>& info);

// A fixed-width table: one row per action, then the average.
std::string format_report(const EvaluationReport& report);

// What was evaluated, written before the figures in the evaluation JSON (`hoif evaluate --json`),
// so that a results table can be built from the file alone (scripts/make_results.py).
struct EvaluatedRun {
  std::string checkpoint, model, keypoints;
  int epoch = 0;
  int64_t poses_seen = 0;
  double train_minutes = 0;
  int downsample = 1;
  bool flip_test = false;
  bool test_monitored = false;  // the run was steered by the test subjects after each epoch
  std::vector<std::string> validation_subjects;
  std::string weights, subjects;
  bool bf16 = false;
  int64_t takes_evaluated = 0;
  std::vector<std::string> absent_takes;
};

// The evaluation JSON: `run`'s fields (when given), then {"p1", "p2", "per_action": {action:
// {"p1", "p2", "poses"}}, "poses", "p1_pooled", "p2_pooled", "per_joint": {joint: p1},
// "n_p1_pooled", "scale_per_subject": {subject: factor}}, in millimetres.
std::string report_json(const EvaluationReport& report, const EvaluatedRun* run = nullptr, int indent = 2);

}  // namespace hoif
