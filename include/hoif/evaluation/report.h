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
  int64_t poses = 0;
};

// Per-frame errors in metres grouped by action. P1 centres both poses on their root joint.
EvaluationReport protocol_report(const ArrayF& predicted, const ArrayF& target, const std::vector<PoseInfo>& info);
// The same from per-frame errors (metres) already computed.
EvaluationReport protocol_report(const std::vector<double>& p1, const std::vector<double>& p2,
                                 const std::vector<PoseInfo>& info);

// A fixed-width table: one row per action, then the average.
std::string format_report(const EvaluationReport& report);
// {"p1", "p2", "per_action": {action: {"p1", "p2", "poses"}}, "poses", "p1_pooled", "p2_pooled",
//  "per_joint": {joint: p1}} in millimetres.
std::string report_json(const EvaluationReport& report, int indent = 2);

}  // namespace hoif
