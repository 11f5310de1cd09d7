// Bone-length and rotation augmentation: hand-computed rescaled and rotated poses and
// re-projections, the random draws' properties, and on the real data (skipped when absent) that
// re-projected GT keypoints are the projections of the changed poses.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "fixtures.h"
#include "hoif/training/pose_augment.h"
#include "hoif/data/h36m.h"
#include "hoif/training/augment.h"

using namespace hoif;

namespace {

// A standing 16-joint pose (metres, camera frame, y down), limbs straight along y.
torch::Tensor standing_pose() {
  return torch::tensor({0.0, 0.0, 0.0,  -0.1, 0.0, 0.0,  -0.1, 0.4, 0.0,  -0.1, 0.8, 0.0,    // Hip RHip RKnee RFoot
                        0.1, 0.0, 0.0,  0.1, 0.4, 0.0,   0.1, 0.8, 0.0,                       // LHip LKnee LFoot
                        0.0, -0.25, 0.0, 0.0, -0.5, 0.0, 0.0, -0.7, 0.0,                      // Spine Thorax Head
                        0.15, -0.5, 0.0, 0.15, -0.2, 0.0, 0.15, 0.05, 0.0,                    // LShoulder LElbow LWrist
                        -0.15, -0.5, 0.0, -0.15, -0.2, 0.0, -0.15, 0.05, 0.0},                // RShoulder RElbow RWrist
                       torch::kFloat)
      .view({1, 16, 3});
}

// RHip -> RKnee 1.5 times as long, Spine -> Thorax twice.
torch::Tensor knee_and_thorax_factors() {
  torch::Tensor f = torch::ones({1, 16});
  f[0][2] = 1.5;
  f[0][8] = 2.0;
  return f;
}

// One pose seen by a pinhole camera without distortion: f = 1000 px, centre (500, 500), 1000 x 1000.
PoseSet one_pose_in_front_of_a_pinhole(const torch::Tensor& pose) {
  PoseSet set;
  set.num_joints = 16;
  set.subjects = {"S1"};
  const Camera cam = test::pinhole_camera();
  set.cameras = {CameraRig{cam, cam, cam, cam}};
  set.info = {{0, 0, 2, 0, 0}};
  set.roots = ArrayF({1, 3});
  set.roots.data()[2] = 5.0f;  // the root 5 m in front of the camera
  set.targets = ArrayF({1, 16, 3});
  std::memcpy(set.targets.data(), pose.contiguous().data_ptr<float>(), sizeof(float) * 48);
  set.inputs = ArrayF({1, 16, 2});
  return set;
}

}  // namespace

TEST(BoneLengths, ScalingABoneMovesEverythingBeyondIt) {
  const torch::Tensor scaled = scale_bones(standing_pose(), knee_and_thorax_factors(), h36m_skeleton16());
  const torch::Tensor expected =
      torch::tensor({0.0, 0.0, 0.0,  -0.1, 0.0, 0.0,  -0.1, 0.6, 0.0,  -0.1, 1.0, 0.0,
                     0.1, 0.0, 0.0,  0.1, 0.4, 0.0,   0.1, 0.8, 0.0,
                     0.0, -0.25, 0.0, 0.0, -0.75, 0.0, 0.0, -0.95, 0.0,
                     0.15, -0.75, 0.0, 0.15, -0.45, 0.0, 0.15, -0.2, 0.0,
                     -0.15, -0.75, 0.0, -0.15, -0.45, 0.0, -0.15, -0.2, 0.0},
                    torch::kFloat)
          .view({1, 16, 3});
  EXPECT_TRUE(torch::allclose(scaled, expected, 0, 1e-6)) << scaled;
}

TEST(BoneLengths, EveryBoneKeepsItsDirectionAndScalesByItsFactor) {
  torch::manual_seed(5);
  const Skeleton& sk = h36m_skeleton17();
  const torch::Tensor poses = torch::randn({8, 17, 3}) * 0.3;
  const torch::Tensor factors = 0.7 + 0.6 * torch::rand({8, 17});
  const torch::Tensor scaled = scale_bones(poses, factors, sk);
  for (const auto& [child, parent] : sk.edges()) {
    const torch::Tensor before = poses.select(1, child) - poses.select(1, parent);
    const torch::Tensor after = scaled.select(1, child) - scaled.select(1, parent);
    EXPECT_TRUE(torch::allclose(after, before * factors.select(1, child).unsqueeze(1), 1e-5, 1e-6)) << child;
  }
  EXPECT_TRUE(torch::equal(scaled.select(1, 0), poses.select(1, 0)));
}

TEST(BoneLengths, KeypointsMoveWithTheProjection) {
  const torch::Tensor before = standing_pose();
  const torch::Tensor after = scale_bones(before, knee_and_thorax_factors(), h36m_skeleton16());
  const PoseSet set = one_pose_in_front_of_a_pinhole(before);
  const torch::Tensor inputs = torch::full({1, 16, 2}, 0.25);
  const torch::Tensor moved = reproject_keypoints(inputs, before, after, set, torch::zeros({1}, torch::kLong)) - inputs;
  // At 5 m, 1000 px of focal length: 1 cm is 2 px, i.e. 0.004 width-normalised units. The knee and
  // foot go 20 cm down (0.08); the thorax and all above it 25 cm up (-0.1); x does not change.
  torch::Tensor expected = torch::zeros({1, 16, 2});
  for (int j : {2, 3}) expected[0][j][1] = 0.08;
  for (int j : {8, 9, 10, 11, 12, 13, 14, 15}) expected[0][j][1] = -0.1;
  EXPECT_TRUE(torch::allclose(moved, expected, 0, 1e-6)) << moved;
}

TEST(BoneLengths, PosesWithoutCamerasAreACleanError) {
  PoseSet set = one_pose_in_front_of_a_pinhole(standing_pose());
  set.roots = ArrayF();
  const std::string message = test::error_of([&] {
    reproject_keypoints(torch::zeros({1, 16, 2}), standing_pose(), standing_pose(), set, torch::zeros({1}, torch::kLong));
  });
  EXPECT_NE(message.find("--bone-augment/--rotate-augment: the training poses carry no camera positions"), std::string::npos) << message;
}

TEST(BoneLengths, FactorsAreUniformSymmetricAndReproducible) {
  const Skeleton& sk = h36m_skeleton16();
  const torch::Tensor a = bone_length_factors(7, 0, 0, 5000, 0.2, sk);
  EXPECT_TRUE(torch::equal(a, bone_length_factors(7, 0, 0, 5000, 0.2, sk)));
  EXPECT_GE(a.min().item<float>(), 0.8f);
  EXPECT_LE(a.max().item<float>(), 1.2f);
  // Uniform on [0.8, 1.2]: mean 1, standard deviation 0.4 / sqrt(12) = 0.115.
  const torch::Tensor thigh = a.select(1, 2);
  EXPECT_NEAR(thigh.mean().item<double>(), 1.0, 5 * 0.115 / std::sqrt(5000.0));
  EXPECT_NEAR(thigh.std().item<double>(), 0.4 / std::sqrt(12.0), 0.005);
  for (size_t i = 0; i < sk.joints_left.size(); ++i)
    EXPECT_TRUE(torch::equal(a.select(1, sk.joints_left[i]), a.select(1, sk.joints_right[i])));
  // Different bones of a pose draw independently.
  EXPECT_FALSE(torch::equal(a.select(1, 2), a.select(1, 3)));
  // A later batch continues the same draws; another epoch draws others.
  EXPECT_TRUE(torch::equal(bone_length_factors(7, 0, 1000, 10, 0.2, sk), a.narrow(0, 1000, 10)));
  EXPECT_FALSE(torch::equal(bone_length_factors(7, 1, 0, 5000, 0.2, sk), a));
}

TEST(Rotation, QuarterTurnAboutTheVertical) {
  // The pinhole camera's frame is the world's (R = I), so the vertical is the camera's z axis:
  // a quarter turn takes (x, y, z) to (-y, x, z).
  const torch::Tensor pose = standing_pose();
  const PoseSet set = one_pose_in_front_of_a_pinhole(pose);
  const torch::Tensor turned =
      rotate_about_vertical(pose, torch::full({1}, M_PI / 2, torch::kDouble), set, torch::zeros({1}, torch::kLong));
  const torch::Tensor expected = torch::stack({-pose.select(2, 1), pose.select(2, 0), pose.select(2, 2)}, 2);
  EXPECT_TRUE(torch::allclose(turned, expected, 0, 1e-6)) << turned;
  EXPECT_NEAR(turned[0][3][0].item<float>(), -0.8f, 1e-6);  // RFoot (-0.1, 0.8, 0) -> (-0.8, -0.1, 0)
  EXPECT_NEAR(turned[0][3][1].item<float>(), -0.1f, 1e-6);
}

TEST(Rotation, AnglesAreUniformAndReproducible) {
  const torch::Tensor a = rotation_angles(4, 2, 0, 20000, 30);
  EXPECT_TRUE(torch::equal(a, rotation_angles(4, 2, 0, 20000, 30)));
  EXPECT_GE(a.min().item<double>(), -M_PI / 6);
  EXPECT_LE(a.max().item<double>(), M_PI / 6);
  // Uniform on [-pi/6, pi/6]: standard deviation (pi/3) / sqrt(12) = 0.302.
  EXPECT_NEAR(a.mean().item<double>(), 0.0, 5 * 0.302 / std::sqrt(20000.0));
  EXPECT_NEAR(a.std().item<double>(), M_PI / 3 / std::sqrt(12.0), 0.01);
  EXPECT_TRUE(torch::equal(rotation_angles(4, 2, 700, 50, 30), a.narrow(0, 700, 50)));
  EXPECT_FALSE(torch::equal(rotation_angles(4, 3, 0, 20000, 30), a));
}

TEST(PoseAugment, ReprojectedGroundTruthIsTheProjectionOfTheChangedPose) {
  if (test::h36m_root().empty()) GTEST_SKIP() << "Human3.6M not found at ../shared/h36m (set HOIF_H36M)";
  const H36mData data(test::h36m_root());
  DatasetOptions options;
  options.actions = {"Walking"};
  options.downsample = 200;
  const PoseSet set = build_pose_set(data.mocap(), data.keypoints("gt"), {"S9"}, options, nullptr);
  ASSERT_GT(set.size(), 20);
  const int64_t n = set.size(), J = set.num_joints;
  const torch::Tensor x = torch::from_blob(const_cast<float*>(set.inputs.data()), {n, J, 2}).clone();
  const torch::Tensor y = torch::from_blob(const_cast<float*>(set.targets.data()), {n, J, 3}).clone();
  const Skeleton& sk = h36m_skeleton_for(static_cast<int>(J), "test");
  const torch::Tensor rows = torch::arange(n);
  const torch::Tensor scaled = scale_bones(y, bone_length_factors(3, 0, 0, n, 0.2, sk), sk);
  const torch::Tensor turned = rotate_about_vertical(y, rotation_angles(3, 0, 0, n, 180), set, rows);
  for (const torch::Tensor& changed : {scaled, turned}) {
    const torch::Tensor moved = reproject_keypoints(x, y, changed, set, rows);
    for (int64_t i = 0; i < n; ++i) {
      const PoseInfo& info = set.info[static_cast<size_t>(i)];
      const Camera& cam = set.cameras[info.subject][info.camera];
      const Eigen::Vector3d root(set.roots.data()[i * 3], set.roots.data()[i * 3 + 1], set.roots.data()[i * 3 + 2]);
      for (int64_t j = 0; j < J; ++j) {
        const auto p = changed[i][j];
        const Eigen::Vector2d expected = normalize_screen(
            project_to_pixels(cam, root + Eigen::Vector3d(p[0].item<float>(), p[1].item<float>(), p[2].item<float>())),
            cam.width, cam.height);
        EXPECT_NEAR(moved[i][j][0].item<float>(), expected.x(), 2e-5) << i << " " << j;
        EXPECT_NEAR(moved[i][j][1].item<float>(), expected.y(), 2e-5) << i << " " << j;
      }
    }
  }
  // A turn about the vertical keeps every joint's height above the root (the world's z, found
  // independently by taking the pose back to the world frame) and every bone's length.
  for (int64_t i = 0; i < n; ++i) {
    const PoseInfo& info = set.info[static_cast<size_t>(i)];
    const Camera& cam = set.cameras[info.subject][info.camera];
    const Eigen::Vector3d root(set.roots.data()[i * 3], set.roots.data()[i * 3 + 1], set.roots.data()[i * 3 + 2]);
    auto world_height = [&](const torch::Tensor& pose, int64_t j) {
      const auto p = pose[i][j];
      return camera_to_world(cam, root + Eigen::Vector3d(p[0].item<float>(), p[1].item<float>(), p[2].item<float>())).z();
    };
    for (int64_t j = 0; j < J; ++j) EXPECT_NEAR(world_height(turned, j), world_height(y, j), 1e-5) << i << " " << j;
    for (const auto& [child, parent] : sk.edges())
      EXPECT_NEAR((turned[i][child] - turned[i][parent]).norm().item<float>(), (y[i][child] - y[i][parent]).norm().item<float>(), 1e-5);
  }
  // Angles of up to 180 degrees turn the poses far: some joint moves by more than 20 cm.
  EXPECT_GT((turned - y).norm(2, 2).max().item<float>(), 0.2f);
}
