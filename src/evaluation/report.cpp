#include "hoif/evaluation/report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hoif/core/error.h"
#include "hoif/data/h36m.h"
#include "hoif/evaluation/metrics.h"
#include "hoif/geometry/skeleton.h"

namespace hoif {

EvaluationReport protocol_report(const ArrayF& predicted, const ArrayF& target, const std::vector<PoseInfo>& info,
                                 const std::vector<std::string>& subjects) {
  if (predicted.ndim() != 3 || predicted.dim(0) != static_cast<int64_t>(info.size()))
    fail("evaluation", "one prediction per pose is needed");
  const ArrayF p = root_relative(predicted), t = root_relative(target);
  EvaluationReport r = protocol_report(mpjpe_per_frame(p, t), p_mpjpe_per_frame(predicted, target), info);
  const std::vector<double> joints = mpjpe_per_joint(p, t);
  const Skeleton& skeleton = h36m_skeleton_for(static_cast<int>(joints.size()), "evaluation");
  for (size_t j = 0; j < joints.size(); ++j) r.per_joint.emplace_back(skeleton.names[j], 1000.0 * joints[j]);
  std::vector<double> scales;
  r.n_p1_pooled = 1000.0 * mean(n_mpjpe_per_frame(p, t, &scales));
  std::vector<double> sum(subjects.size());
  std::vector<int64_t> count(subjects.size());
  for (size_t i = 0; i < info.size(); ++i) {
    if (info[i].subject >= subjects.size()) fail("evaluation", "pose of an unnamed subject");
    sum[info[i].subject] += scales[i];
    ++count[info[i].subject];
  }
  for (size_t s = 0; s < subjects.size(); ++s)
    if (count[s]) r.scale_per_subject.emplace_back(subjects[s], sum[s] / static_cast<double>(count[s]));
  return r;
}

EvaluationReport protocol_report(const std::vector<double>& p1, const std::vector<double>& p2,
                                 const std::vector<PoseInfo>& info) {
  if (p1.size() != info.size() || p2.size() != info.size()) fail("evaluation", "one error per pose is needed");
  const size_t actions = h36m_actions().size();
  std::vector<double> sum1(actions), sum2(actions);
  std::vector<int64_t> count(actions);
  for (size_t i = 0; i < info.size(); ++i) {
    const size_t a = info[i].action;
    if (a >= actions) fail("evaluation", "pose with an unknown action");
    sum1[a] += p1[i];
    sum2[a] += p2[i];
    ++count[a];
  }
  EvaluationReport r;
  for (size_t a = 0; a < actions; ++a) {
    if (!count[a]) continue;
    r.per_action.push_back({h36m_actions()[a], 1000.0 * sum1[a] / count[a], 1000.0 * sum2[a] / count[a], count[a]});
    r.p1 += r.per_action.back().p1;
    r.p2 += r.per_action.back().p2;
    r.poses += count[a];
  }
  if (!r.per_action.empty()) {
    r.p1 /= static_cast<double>(r.per_action.size());
    r.p2 /= static_cast<double>(r.per_action.size());
  }
  r.p1_pooled = 1000.0 * mean(p1);
  r.p2_pooled = 1000.0 * mean(p2);
  return r;
}

std::string format_report(const EvaluationReport& r) {
  std::string s = fmt::format("{:<14} {:>9} {:>9} {:>9}\n", "action", "P1 (mm)", "P2 (mm)", "poses");
  for (const auto& a : r.per_action) s += fmt::format("{:<14} {:>9.2f} {:>9.2f} {:>9}\n", a.action, a.p1, a.p2, a.poses);
  s += fmt::format("{:<14} {:>9.2f} {:>9.2f} {:>9}\n", "Average", r.p1, r.p2, r.poses);
  return s;
}

std::string report_json(const EvaluationReport& r, const EvaluatedRun* run, int indent) {
  nlohmann::ordered_json j;
  if (run) {
    j["checkpoint"] = run->checkpoint;
    j["model"] = run->model;
    j["keypoints"] = run->keypoints;
    j["epoch"] = run->epoch;
    j["poses_seen"] = run->poses_seen;
    j["train_minutes"] = run->train_minutes;
    j["downsample"] = run->downsample;
    j["flip_test"] = run->flip_test;
    j["test_monitored"] = run->test_monitored;
    j["validation_subjects"] = run->validation_subjects;
    j["weights"] = run->weights;
    j["subjects"] = run->subjects;
    j["bf16"] = run->bf16;
    j["takes_evaluated"] = run->takes_evaluated;
    j["absent_takes"] = run->absent_takes;
  }
  j["p1"] = r.p1;
  j["p2"] = r.p2;
  j["per_action"] = nlohmann::ordered_json::object();
  for (const auto& a : r.per_action) j["per_action"][a.action] = {{"p1", a.p1}, {"p2", a.p2}, {"poses", a.poses}};
  j["poses"] = r.poses;
  j["p1_pooled"] = r.p1_pooled;
  j["p2_pooled"] = r.p2_pooled;
  if (!r.per_joint.empty()) {
    j["per_joint"] = nlohmann::ordered_json::object();
    for (const auto& [name, e] : r.per_joint) j["per_joint"][name] = e;
  }
  if (!r.scale_per_subject.empty()) {
    j["n_p1_pooled"] = r.n_p1_pooled;
    j["scale_per_subject"] = nlohmann::ordered_json::object();
    for (const auto& [name, factor] : r.scale_per_subject) j["scale_per_subject"][name] = factor;
  }
  return j.dump(indent);
}

}  // namespace hoif
