// Keypoint layouts mapped to H3.6M joints on hand-built poses, missing joints, flip averaging.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <torch/torch.h>

#include "fixtures.h"
#include "hoif/core/error.h"
#include "hoif/data/layouts.h"
#include "hoif/inference/mirror.h"
#include "hoif/geometry/skeleton.h"
#include "hoif/hoif.h"
#include "hoif/inference/lift_keypoints.h"
#include "hoif/training/checkpoint.h"

using namespace hoif;

namespace {

// One frame of a layout with joint j at (10 j, 100 + j) and confidence 0.9 (0.5 for joint 0).
ArrayF numbered_pose(KeypointLayout layout) {
  const auto J = static_cast<int64_t>(layout_joint_names(layout).size());
  ArrayF k({1, J, 3});
  for (int64_t j = 0; j < J; ++j) {
    k.values[static_cast<size_t>(j * 3)] = 10.0f * static_cast<float>(j);
    k.values[static_cast<size_t>(j * 3 + 1)] = 100.0f + static_cast<float>(j);
    k.values[static_cast<size_t>(j * 3 + 2)] = j == 0 ? 0.5f : 0.9f;
  }
  return k;
}

Eigen::Vector3f joint(const ArrayF& a, const std::string& name, int J) {
  const int j = h36m_skeleton_for(J, "test").index_of(name);
  const float* v = &a.values[static_cast<size_t>(j * 3)];
  return {v[0], v[1], v[2]};
}

}  // namespace

TEST(Mirror, SwapsLeftAndRightAndNegatesX) {
  // 16-joint set: 1 RHip <-> 4 LHip, 0 Hip stays.
  torch::Tensor pose = torch::zeros({1, 16, 3});
  pose[0][0] = torch::tensor({0.5f, 0.25f, 2.0f});
  pose[0][1] = torch::tensor({0.1f, 0.2f, 0.3f});
  pose[0][4] = torch::tensor({-0.3f, 0.5f, 0.7f});
  const torch::Tensor m = mirror_poses(pose, h36m_skeleton16());
  EXPECT_TRUE(torch::equal(m[0][0], torch::tensor({-0.5f, 0.25f, 2.0f})));
  EXPECT_TRUE(torch::equal(m[0][1], torch::tensor({0.3f, 0.5f, 0.7f})));
  EXPECT_TRUE(torch::equal(m[0][4], torch::tensor({-0.1f, 0.2f, 0.3f})));
  EXPECT_TRUE(torch::equal(mirror_poses(m, h36m_skeleton16()), pose));
  EXPECT_EQ(mirror_joint_order(h36m_skeleton16()), (std::vector<int64_t>{0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 13, 14, 15, 10, 11, 12}));
  EXPECT_THROW(mirror_poses(torch::zeros({1, 17, 2}), h36m_skeleton16()), Error);
}

TEST(Layouts, CocoToH36mFollowsTheDocumentedRules) {
  // COCO: 0 nose, 1/2 eyes, 5/6 shoulders, 11/12 hips, 15/16 ankles.
  const ArrayF h = map_to_h36m(numbered_pose(KeypointLayout::coco17), KeypointLayout::coco17, 17);
  EXPECT_EQ(joint(h, "Hip", 17), Eigen::Vector3f(115, 111.5f, 0.9f));          // mid-hips (11, 12)
  EXPECT_EQ(joint(h, "Thorax", 17), Eigen::Vector3f(55, 105.5f, 0.9f));        // mid-shoulders (5, 6)
  EXPECT_EQ(joint(h, "Spine", 17), Eigen::Vector3f(85, 108.5f, 0.9f));         // between the two
  EXPECT_EQ(joint(h, "Head", 17), Eigen::Vector3f(15, 101.5f, 0.9f));          // mid-eyes (1, 2)
  EXPECT_EQ(joint(h, "Neck/Nose", 17), Eigen::Vector3f(0, 100, 0.5f));         // nose, its confidence
  EXPECT_EQ(joint(h, "RFoot", 17), Eigen::Vector3f(160, 116, 0.9f));           // right ankle (16)
  EXPECT_EQ(joint(h, "LWrist", 17), Eigen::Vector3f(90, 109, 0.9f));           // left wrist (9)
  const ArrayF h16 = map_to_h36m(numbered_pose(KeypointLayout::coco17), KeypointLayout::coco17, 16);
  EXPECT_EQ(h16.dim(1), 16);
  EXPECT_EQ(joint(h16, "Head", 16), Eigen::Vector3f(15, 101.5f, 0.9f));
}

TEST(Layouts, OpenPoseMpiiAndH36mMappings) {
  // OpenPose BODY_25: 1 Neck, 8 MidHip, 15/16 eyes, 11 RAnkle.
  const ArrayF o = map_to_h36m(numbered_pose(KeypointLayout::openpose25), KeypointLayout::openpose25, 16);
  EXPECT_EQ(joint(o, "Hip", 16), Eigen::Vector3f(80, 108, 0.9f));
  EXPECT_EQ(joint(o, "Thorax", 16), Eigen::Vector3f(10, 101, 0.9f));
  EXPECT_EQ(joint(o, "Spine", 16), Eigen::Vector3f(45, 104.5f, 0.9f));
  EXPECT_EQ(joint(o, "Head", 16), Eigen::Vector3f(155, 115.5f, 0.9f));
  EXPECT_EQ(joint(o, "RFoot", 16), Eigen::Vector3f(110, 111, 0.9f));
  // MPII as the archive's Stacked Hourglass convention: 6 pelvis, 7 thorax -> Spine, 8 upper
  // neck -> Thorax, 9 head top -> Head.
  const ArrayF m = map_to_h36m(numbered_pose(KeypointLayout::mpii16), KeypointLayout::mpii16, 16);
  EXPECT_EQ(joint(m, "Hip", 16), Eigen::Vector3f(60, 106, 0.9f));
  EXPECT_EQ(joint(m, "Spine", 16), Eigen::Vector3f(70, 107, 0.9f));
  EXPECT_EQ(joint(m, "Thorax", 16), Eigen::Vector3f(80, 108, 0.9f));
  EXPECT_EQ(joint(m, "Head", 16), Eigen::Vector3f(90, 109, 0.9f));
  // H3.6M 16 -> 17: Neck/Nose between Thorax (8) and Head (9); 17 -> 16 drops it.
  const ArrayF h = map_to_h36m(numbered_pose(KeypointLayout::h36m16), KeypointLayout::h36m16, 17);
  EXPECT_EQ(joint(h, "Neck/Nose", 17), Eigen::Vector3f(85, 108.5f, 0.9f));
  const ArrayF d = map_to_h36m(numbered_pose(KeypointLayout::h36m17), KeypointLayout::h36m17, 16);
  EXPECT_EQ(joint(d, "Head", 16), Eigen::Vector3f(100, 110, 0.9f));  // index 10 in the 17 set
  EXPECT_EQ(test::error_of([] { parse_layout("coco18"); }), "--format: unknown keypoint layout 'coco18' (h36m16, h36m17, coco17, openpose25, mpii16)");
}

TEST(MissingJoints, InterpolatedOverTimeHeldAtTheEndsOrRefused) {
  // One person, 4 frames (0, 1, 2, 4), two joints; joint 1 unseen in frames 1 and 4 and
  // NaN-free but low-confidence in frame 2.
  KeypointTracks t;
  t.keypoints = ArrayF({4, 2, 3});
  const float rows[4][6] = {{0, 0, 1, 10, 20, 1}, {0, 0, 1, 99, 99, 0.0f}, {0, 0, 1, 99, 99, 0.05f}, {0, 0, 1, 50, 60, 1}};
  for (int r = 0; r < 4; ++r) std::copy_n(rows[r], 6, &t.keypoints.values[static_cast<size_t>(r * 6)]);
  t.frame = {0, 1, 2, 4};
  t.person = {0, 0, 0, 0};
  KeypointTracks filled = t;
  fill_missing_joints(filled, {"A", "B"}, 0.1, true);
  // Frame 1 is 1/4 of the way from frame 0 to frame 4, frame 2 half-way.
  EXPECT_FLOAT_EQ(filled.keypoints.values[1 * 6 + 3], 20.0f);
  EXPECT_FLOAT_EQ(filled.keypoints.values[1 * 6 + 4], 30.0f);
  EXPECT_FLOAT_EQ(filled.keypoints.values[2 * 6 + 3], 30.0f);
  EXPECT_FLOAT_EQ(filled.keypoints.values[2 * 6 + 4], 40.0f);
  EXPECT_FLOAT_EQ(filled.keypoints.values[3 * 6 + 3], 50.0f);  // seen: unchanged
  KeypointTracks refused = t;
  EXPECT_EQ(test::error_of([&] { fill_missing_joints(refused, {"A", "B"}, 0.1, false); }),
            "keypoints: joint B of person 0 is missing or below confidence 0.1 in frame 1 (use --missing interpolate to fill it over time)");
  // Held beyond the last sighting.
  KeypointTracks tail = t;
  tail.keypoints.values[3 * 6 + 5] = 0.0f;  // frame 4 unseen too: hold frame 0's value
  fill_missing_joints(tail, {"A", "B"}, 0.1, true);
  EXPECT_FLOAT_EQ(tail.keypoints.values[3 * 6 + 3], 10.0f);
  // Never seen, with the detector's low-confidence estimates: those are kept, with a warning.
  KeypointTracks never = t;
  for (int r = 0; r < 4; ++r) never.keypoints.values[static_cast<size_t>(r * 6 + 5)] = 0.05f;
  std::string warning;
  fill_missing_joints(never, {"A", "B"}, 0.1, true, [&](const std::string& w) { warning = w; });
  EXPECT_EQ(never.keypoints.values, [&] { auto v = t.keypoints.values; for (int r = 0; r < 4; ++r) v[r * 6 + 5] = 0.05f; return v; }());
  EXPECT_NE(warning.find("joint B of person 0 is below confidence 0.1 in every frame"), std::string::npos) << warning;
  // Never seen and no estimate (NaN confidence): nothing to interpolate from.
  for (int r = 0; r < 4; ++r) never.keypoints.values[static_cast<size_t>(r * 6 + 5)] = NAN;
  EXPECT_NE(test::error_of([&] { fill_missing_joints(never, {"A", "B"}, 0.1, true); }).find("nothing to interpolate from"),
            std::string::npos);
}

TEST(Lift, OutputIsRootRelativeAndFlipAveragingIsMirrorEquivariant) {
  torch::manual_seed(0);
  ModelConfig c;
  c.name = "semgcn";
  c.hid_dim = 8;
  c.num_layers = 1;
  auto model = make_network(c);
  model->eval();
  KeypointTracks t;
  t.keypoints = ArrayF({2, 16, 3});
  for (size_t i = 0; i < t.keypoints.values.size(); i += 3) {
    t.keypoints.values[i] = static_cast<float>(300 + (i * 37) % 400);
    t.keypoints.values[i + 1] = static_cast<float>(200 + (i * 53) % 500);
    t.keypoints.values[i + 2] = 1.0f;
  }
  t.frame = {0, 1};
  t.person = {0, 0};
  LiftOptions o;
  o.width = 1000;
  o.height = 1000;
  const ArrayF plain = lift_keypoints(*model, t, o, torch::kCPU);
  for (int n = 0; n < 2; ++n)
    for (int d = 0; d < 3; ++d) EXPECT_EQ(plain.values[static_cast<size_t>(n * 48 + d)], 0.0f);  // root at the origin
  o.flip = true;
  const ArrayF flipped = lift_keypoints(*model, t, o, torch::kCPU);
  // An untrained network is not mirror-symmetric: flipping must change the output, and the
  // flipped average of the flipped input must equal the flipped average of the input mirrored.
  double change = 0;
  for (size_t i = 0; i < plain.values.size(); ++i) change += std::abs(plain.values[i] - flipped.values[i]);
  EXPECT_GT(change, 1e-4);
  KeypointTracks mirror = t;
  const Skeleton& s = h36m_skeleton16();
  for (int n = 0; n < 2; ++n) {
    for (int j = 0; j < 16; ++j) mirror.keypoints.values[static_cast<size_t>((n * 16 + j) * 3)] = 1000.0f - t.keypoints.values[static_cast<size_t>((n * 16 + j) * 3)];
    for (size_t i = 0; i < s.joints_left.size(); ++i)
      for (int d = 0; d < 3; ++d)
        std::swap(mirror.keypoints.values[static_cast<size_t>((n * 16 + s.joints_left[i]) * 3 + d)],
                  mirror.keypoints.values[static_cast<size_t>((n * 16 + s.joints_right[i]) * 3 + d)]);
  }
  const ArrayF mirrored = lift_keypoints(*model, mirror, o, torch::kCPU);
  for (int n = 0; n < 2; ++n)
    for (int j = 0; j < 16; ++j) {
      int m = j;
      for (size_t i = 0; i < s.joints_left.size(); ++i) {
        if (s.joints_left[i] == j) m = s.joints_right[i];
        if (s.joints_right[i] == j) m = s.joints_left[i];
      }
      EXPECT_NEAR(mirrored.values[static_cast<size_t>((n * 16 + m) * 3)], -flipped.values[static_cast<size_t>((n * 16 + j) * 3)], 1e-5);
      EXPECT_NEAR(mirrored.values[static_cast<size_t>((n * 16 + m) * 3 + 1)], flipped.values[static_cast<size_t>((n * 16 + j) * 3 + 1)], 1e-5);
    }
}

TEST(PublicApi, LoadsACheckpointLiftsOneOrManyPosesAndIsSafeAcrossThreads) {
  torch::manual_seed(2);
  TrainOptions options = TrainOptions::recipe("hoif");
  options.model.hid_dim = 16;
  options.model.num_layers = 2;
  options.model = options.model.resolved();
  auto model = make_network(options.model);
  const std::string path = (test::temp_dir("api") / "m.ckpt").string();
  save_checkpoint(path, options, TrainState{}, *model, nullptr);

  const Lifter lifter(path);
  EXPECT_EQ(lifter.model_name(), "hoif");
  EXPECT_EQ(lifter.num_joints(), 16);
  EXPECT_EQ(lifter.joint_names()[9], "Head");
  std::vector<Point2> batch;
  for (int n = 0; n < 6; ++n)
    for (int j = 0; j < 16; ++j) batch.push_back({static_cast<float>(400 + 11 * j + n), static_cast<float>(300 + 17 * j)});
  const std::vector<Point3> all = lifter.lift_batch(batch, 1000, 1000);
  ASSERT_EQ(all.size(), batch.size());
  // One pose alone gives what it gave in the batch.
  const std::vector<Point3> third = lifter.lift({batch.begin() + 32, batch.begin() + 48}, 1000, 1000);
  for (int j = 0; j < 16; ++j)
    for (int d = 0; d < 3; ++d) EXPECT_NEAR(third[static_cast<size_t>(j)][static_cast<size_t>(d)], all[static_cast<size_t>(32 + j)][static_cast<size_t>(d)], 1e-6);
  // Four threads lifting at once get the single-threaded answer every time.
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i)
        if (lifter.lift_batch(batch, 1000, 1000) != all) ++mismatches;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(test::error_of([&] { lifter.lift({batch.begin(), batch.begin() + 15}, 1000, 1000); }),
            "lift: 15 keypoints given, the model takes 16");
  EXPECT_NE(test::error_of([] { Lifter("/nonexistent/m.ckpt"); }).find("/nonexistent/m.ckpt"), std::string::npos);
}
