// MPJPE, P-MPJPE and N-MPJPE against hand-computed values and known invariances.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <Eigen/Geometry>

#include "fixtures.h"
#include "hoif/data/h36m.h"
#include "hoif/evaluation/metrics.h"
#include "hoif/evaluation/report.h"

using namespace hoif;

namespace {

// A non-planar 5-joint pose (one frame).
ArrayF pose() {
  ArrayF a({1, 5, 3});
  a.values = {0, 0, 0, 0.3, 0.1, -0.2, -0.1, 0.5, 0.4, 0.2, -0.3, 0.6, -0.4, -0.2, 0.1};
  return a;
}

ArrayF transform(const ArrayF& in, const Eigen::Matrix3d& m, double scale, const Eigen::Vector3d& t) {
  ArrayF out = in;
  for (int64_t i = 0; i < in.size(); i += 3) {
    Eigen::Vector3d x(in.values[i], in.values[i + 1], in.values[i + 2]);
    Eigen::Vector3d y = scale * (m * x) + t;
    for (int d = 0; d < 3; ++d) out.values[i + d] = static_cast<float>(y[d]);
  }
  return out;
}

}  // namespace

TEST(Metrics, MpjpeOfAConstantOffsetIsItsLength) {
  const ArrayF t = pose();
  const ArrayF p = transform(t, Eigen::Matrix3d::Identity(), 1.0, {0.03, 0.04, 0.0});
  EXPECT_NEAR(mpjpe_per_frame(p, t)[0], 0.05, 1e-7);
  // Protocol 1 centres on the root, which removes a constant offset entirely.
  EXPECT_NEAR(mpjpe_per_frame(root_relative(p), root_relative(t))[0], 0.0, 1e-7);
}

TEST(Metrics, MpjpeOfOneFrame) {
  // Joint errors of 3-4-5 and 0 m: mean 2.5 m.
  EXPECT_DOUBLE_EQ(mpjpe({{0, 0, 0}, {1, 1, 1}}, {{3, 4, 0}, {1, 1, 1}}), 2.5);
  EXPECT_NE(test::error_of([] { mpjpe({{0, 0, 0}}, {}); }).find("same joints"), std::string::npos);
}

TEST(Metrics, ProcrustesRemovesRotationScaleAndTranslation) {
  const ArrayF t = pose();
  const Eigen::Matrix3d r = Eigen::AngleAxisd(0.7, Eigen::Vector3d(1, 2, 3).normalized()).toRotationMatrix();
  const ArrayF p = transform(t, r, 1.7, {0.5, -0.2, 3.0});
  EXPECT_GT(mpjpe_per_frame(p, t)[0], 0.3);
  EXPECT_NEAR(p_mpjpe_per_frame(p, t)[0], 0.0, 1e-6);
}

TEST(Metrics, ProcrustesDoesNotReflect) {
  const Eigen::Matrix3d mirror = Eigen::Vector3d(-1, 1, 1).asDiagonal();
  // A non-planar pose cannot be matched to its mirror image by a rotation.
  const ArrayF t = pose();
  const ArrayF p = transform(t, mirror, 1.0, Eigen::Vector3d::Zero());
  EXPECT_GT(p_mpjpe_per_frame(p, t)[0], 0.02);
  // A planar one can (a half turn about the plane's y axis), so its error is zero.
  ArrayF planar({1, 4, 3});
  planar.values = {0, 0, 0, 0.3, 0.1, 0, -0.2, 0.5, 0, 0.1, -0.4, 0};
  EXPECT_NEAR(p_mpjpe_per_frame(transform(planar, mirror, 1.0, Eigen::Vector3d::Zero()), planar)[0], 0.0, 1e-6);
}

TEST(Metrics, ProcrustesHandComputedCase) {
  // Target: two points at x = +-1. Prediction: the same at y = +-2 (rotated 90 deg, scaled 2).
  ArrayF t({1, 2, 3}), p({1, 2, 3});
  t.values = {1, 0, 0, -1, 0, 0};
  p.values = {0, 2, 0, 0, -2, 0};
  EXPECT_NEAR(mpjpe_per_frame(p, t)[0], std::sqrt(5.0), 1e-6);
  EXPECT_NEAR(p_mpjpe_per_frame(p, t)[0], 0.0, 1e-6);
}

TEST(Metrics, NormalisedMpjpeRemovesScaleOnly) {
  const ArrayF t = pose();
  EXPECT_NEAR(n_mpjpe_per_frame(transform(t, Eigen::Matrix3d::Identity(), 0.5, Eigen::Vector3d::Zero()), t)[0], 0.0, 1e-6);
  const ArrayF shifted = transform(t, Eigen::Matrix3d::Identity(), 1.0, {0.1, 0, 0});
  EXPECT_GT(n_mpjpe_per_frame(shifted, t)[0], 0.01);
}

TEST(Report, ActionMeansAreFrameWeightedAndTheHeadlineIsUnweighted) {
  // Walking: errors 10 and 20 mm (mean 15); Eating: 30, 30, 60 mm (mean 40). Headline (15 + 40) / 2.
  const int walking = action_index("Walking"), eating = action_index("Eating");
  std::vector<PoseInfo> info;
  for (int a : {walking, walking, eating, eating, eating}) info.push_back({0, static_cast<uint8_t>(a), 0, 0, 0});
  const std::vector<double> p1 = {0.010, 0.020, 0.030, 0.030, 0.060};
  const std::vector<double> p2 = {0.005, 0.005, 0.010, 0.010, 0.010};
  const EvaluationReport r = protocol_report(p1, p2, info);
  ASSERT_EQ(r.per_action.size(), 2u);
  EXPECT_EQ(r.per_action[0].action, "Eating");  // h36m_actions() order
  EXPECT_NEAR(r.per_action[0].p1, 40.0, 1e-9);
  EXPECT_EQ(r.per_action[0].poses, 3);
  EXPECT_NEAR(r.per_action[1].p1, 15.0, 1e-9);
  EXPECT_NEAR(r.p1, 27.5, 1e-9);
  EXPECT_NEAR(r.p2, 7.5, 1e-9);
  EXPECT_NEAR(r.p1_pooled, 30.0, 1e-9);
  EXPECT_EQ(r.poses, 5);
  const std::string json = report_json(r);
  EXPECT_NE(json.find("\"per_action\""), std::string::npos);
  EXPECT_NE(json.find("\"Walking\""), std::string::npos);
  // With what was evaluated, for results tables built from the file alone.
  EvaluatedRun run;
  run.checkpoint = "m.ckpt";
  run.test_monitored = true;
  run.absent_takes = {"S9 Discussion 1"};
  const auto with_run = nlohmann::json::parse(report_json(r, &run));
  EXPECT_EQ(with_run.at("checkpoint"), "m.ckpt");
  EXPECT_EQ(with_run.at("test_monitored"), true);
  EXPECT_EQ(with_run.at("absent_takes").at(0), "S9 Discussion 1");
  EXPECT_DOUBLE_EQ(with_run.at("p1").get<double>(), 27.5);
}

TEST(Report, SizeOfThePredictionPerSubject) {
  // 16-joint poses: S9's predicted at half the size (factor 2), S11's at twice it (factor 0.5);
  // once scaled, no error is left.
  ArrayF target({3, 16, 3});
  for (int64_t i = 0; i < target.size(); ++i) target.values[static_cast<size_t>(i)] = static_cast<float>((i * 37 % 11) - 5) * 0.05f;
  for (int64_t f = 0; f < 3; ++f)
    for (int d = 0; d < 3; ++d) target.values[static_cast<size_t>(f * 48 + d)] = 0;
  ArrayF predicted = target;
  for (int64_t i = 0; i < 48; ++i) predicted.values[static_cast<size_t>(i)] *= 0.5f;
  for (int64_t i = 48; i < 144; ++i) predicted.values[static_cast<size_t>(i)] *= 2.0f;
  const std::vector<PoseInfo> info = {{0, 0, 0, 0, 0}, {1, 0, 0, 0, 0}, {1, 0, 0, 0, 1}};
  const EvaluationReport r = protocol_report(predicted, target, info, {"S9", "S11"});
  ASSERT_EQ(r.scale_per_subject.size(), 2u);
  EXPECT_EQ(r.scale_per_subject[0].first, "S9");
  EXPECT_NEAR(r.scale_per_subject[0].second, 2.0, 1e-6);
  EXPECT_EQ(r.scale_per_subject[1].first, "S11");
  EXPECT_NEAR(r.scale_per_subject[1].second, 0.5, 1e-6);
  EXPECT_NEAR(r.n_p1_pooled, 0.0, 1e-4);
  EXPECT_GT(r.p1_pooled, 50.0);
  EXPECT_NE(report_json(r).find("\"scale_per_subject\""), std::string::npos);
}
