// On the real data in ../shared/h36m (skipped with a message when it is absent): the published
// pose counts for this copy, and GT 2D against values computed independently in Python
// (h5py + numpy, with VideoPose3D's quaternion cameras and its swapped tangential coefficients):
//   cam = qrot(qinv(q), X/1000 - t); XX = cam[:2]/cam[2]; r2 = |XX|^2;
//   px = f * (XX * (1 + k.[r2, r2^2, r2^3] + p.XX) + p * r2) + c
// with q, t, f, c, k, p of S9 camera 54138969 as listed in VideoPose3D's h36m_dataset.py.
#include <gtest/gtest.h>

#include "fixtures.h"
#include "hoif/data/dataset.h"
#include "hoif/data/h36m.h"
#include "hoif/data/keypoints.h"

using namespace hoif;

namespace {

const H36mData& data() {
  static const H36mData d(test::h36m_root());
  return d;
}

#define REQUIRE_H36M()                                                                              \
  if (test::h36m_root().empty()) GTEST_SKIP() << "Human3.6M not found at ../shared/h36m (set HOIF_H36M)"

}  // namespace

TEST(H36m, PoseCountsOfThisCopy) {
  REQUIRE_H36M();
  const Datasets d = load_datasets(data(), {});
  // 1,559,752 and 543,344 in the full archive; five takes are absent here.
  EXPECT_EQ(d.train.size(), 1464400);
  EXPECT_EQ(d.test.size(), 519852);
  const std::vector<TakeId> absent = {
      {"S5", "Discussion 2"}, {"S5", "Discussion 3"}, {"S7", "Discussion"}, {"S7", "SittingDown 1"}, {"S9", "Discussion 1"}};
  EXPECT_EQ(d.absent, absent);
  EXPECT_TRUE(d.skipped.empty());
}

TEST(H36m, HoldingOutS8SplitsTheTrainingPoses) {
  REQUIRE_H36M();
  DatasetOptions o;
  o.validation_subjects = {"S8"};
  const Datasets d = load_datasets(data(), o);
  EXPECT_EQ(d.train.size() + d.validation.size(), 1464400);
  EXPECT_GT(d.validation.size(), 0);
  EXPECT_EQ(d.validation.subjects, std::vector<std::string>{"S8"});
  EXPECT_EQ(d.train.subjects, (std::vector<std::string>{"S1", "S5", "S6", "S7"}));
  EXPECT_EQ(d.test.size(), 519852);
}

TEST(H36m, GroundTruth2dMatchesAnIndependentProjection) {
  REQUIRE_H36M();
  const Keypoints2D gt = project_ground_truth(data().mocap(), 17);
  const ArrayF& cam0 = gt.positions.at("S9").at("Walking 1")[0];
  struct Expected {
    int frame, joint;
    double x, y;
  };
  const Expected expected[] = {
      {0, 0, 468.74447636791757, 408.1882663176941},    {0, 3, 507.89257537541965, 602.7225873096397},
      {0, 10, 472.57412464717606, 252.47626660590254},  {0, 16, 607.2966251484652, 307.3095935097191},
      {1234, 0, 517.6280354403032, 404.43226485839},    {1234, 3, 567.844028655592, 558.726306426353},
      {1234, 10, 513.3083684224713, 269.9318491265291}, {1234, 16, 548.6624291700476, 412.08715790243133}};
  for (const auto& e : expected) {
    EXPECT_NEAR(cam0.values[(e.frame * 17 + e.joint) * 2], e.x, 1e-3) << e.frame << " " << e.joint;
    EXPECT_NEAR(cam0.values[(e.frame * 17 + e.joint) * 2 + 1], e.y, 1e-3) << e.frame << " " << e.joint;
  }
}

TEST(H36m, CameraOrientationIsVideoPose3dsQuaternion) {
  REQUIRE_H36M();
  // S1 camera 54138969 in VideoPose3D's h36m_dataset.py.
  const Quaternion q = data().mocap().rig("S1")[0].orientation();
  const Quaternion vp(0.1407056450843811, -0.1500701755285263, -0.755240797996521, 0.6223280429840088);
  EXPECT_NEAR((q - vp).norm(), 0.0, 1e-6);
  EXPECT_NEAR(data().mocap().rig("S1")[0].T[0], 1.8411070556640625, 1e-7);  // VideoPose3D rounded to float32
}

TEST(H36m, StackedHourglassCoversEveryPresentTake) {
  REQUIRE_H36M();
  DatasetOptions o;
  o.keypoints = "sh_pt_mpii";
  const Datasets d = load_datasets(data(), o);
  EXPECT_EQ(d.train.size(), 1464400);
  EXPECT_EQ(d.test.size(), 519852);
}
