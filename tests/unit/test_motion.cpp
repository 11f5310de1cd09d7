// Lifted positions as a BVH animation: Euler angles against hand-computed rotations, the rest pose
// and a turned rest pose (known answers), and a round trip through a BVH file of poses built by an
// independent forward kinematics with random joint angles.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>

#include <Eigen/Geometry>
#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "hoif/geometry/motion.h"
#include "hoif/io/bvh.h"
#include "hoif/io/gltf.h"

using namespace hoif;
namespace fs = std::filesystem;

namespace {

using Vec = Eigen::Vector3d;

// The 16-joint T-pose of motion.h, in the animation frame (Y up, +X the person's left), metres.
std::vector<Vec> t_pose() {
  const Vec L(1, 0, 0), U(0, 1, 0);
  std::vector<Vec> p(16);
  p[0] = Vec(0, 1, 0);                  // Hip
  p[1] = p[0] - 0.12 * L;               // RHip
  p[2] = p[1] - 0.44 * U;               // RKnee
  p[3] = p[2] - 0.43 * U;               // RFoot
  p[4] = p[0] + 0.12 * L;               // LHip
  p[5] = p[4] - 0.44 * U;               // LKnee
  p[6] = p[5] - 0.43 * U;               // LFoot
  p[7] = p[0] + 0.23 * U;               // Spine
  p[8] = p[7] + 0.25 * U;               // Thorax
  p[9] = p[8] + 0.2 * U;                // Head
  p[10] = p[8] + 0.15 * L;              // LShoulder
  p[11] = p[10] + 0.28 * L;             // LElbow
  p[12] = p[11] + 0.25 * L;             // LWrist
  p[13] = p[8] - 0.15 * L;              // RShoulder
  p[14] = p[13] - 0.28 * L;             // RElbow
  p[15] = p[14] - 0.25 * L;             // RWrist
  return p;
}

// Animation-frame positions as hoif's camera-frame (N, 16, 3) poses: (x, y, z) -> (x, -y, -z).
ArrayF as_poses(const std::vector<std::vector<Vec>>& frames) {
  ArrayF a({static_cast<int64_t>(frames.size()), 16, 3});
  for (size_t n = 0; n < frames.size(); ++n)
    for (size_t j = 0; j < 16; ++j)
      for (int d = 0; d < 3; ++d)
        a.values[(n * 16 + j) * 3 + static_cast<size_t>(d)] = static_cast<float>((d == 0 ? 1 : -1) * frames[n][j][d]);
  return a;
}

double worst_distance(const std::vector<Vec>& a, const std::vector<Vec>& b) {
  double worst = 0;
  for (size_t j = 0; j < a.size(); ++j) worst = std::max(worst, (a[j] - b[j]).norm());
  return worst;
}

// Clips whose bones keep their lengths and whose pelvis and chest are rigid (a mocap skeleton's),
// built here with their own forward kinematics from random joint angles; root-relative, and the
// root's path beside them.
std::vector<std::vector<Vec>> random_clip(int frames, std::vector<Vec>* root_path) {
  const std::vector<Vec> rest = t_pose();
  const std::vector<int> parents = h36m_skeleton16().parents;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> angle(-1.2, 1.2);
  auto random_rotation = [&] {
    return Eigen::Matrix3d((Eigen::AngleAxisd(angle(rng), Vec::UnitZ()) * Eigen::AngleAxisd(angle(rng), Vec::UnitX()) *
                            Eigen::AngleAxisd(angle(rng), Vec::UnitY())));
  };
  std::vector<std::vector<Vec>> out;
  for (int n = 0; n < frames; ++n) {
    std::vector<Eigen::Matrix3d> global(16);
    std::vector<Vec> p(16);
    for (int j = 0; j < 16; ++j) {
      const int parent = parents[static_cast<size_t>(j)];
      global[static_cast<size_t>(j)] = (parent < 0 ? Eigen::Matrix3d::Identity() : global[static_cast<size_t>(parent)]) * random_rotation();
      p[static_cast<size_t>(j)] = parent < 0 ? Vec::Zero()
                                             : Vec(p[static_cast<size_t>(parent)] + global[static_cast<size_t>(parent)] *
                                                                                     (rest[static_cast<size_t>(j)] - rest[static_cast<size_t>(parent)]));
    }
    out.push_back(p);
    if (root_path) root_path->emplace_back(0.1 * n, -0.05 * n, 3.0 + 0.02 * n);  // camera frame
  }
  return out;
}

}  // namespace

TEST(Euler, ZxyAnglesOfHandComputedRotations) {
  // A quarter turn about Y is (z, x, y) = (0, 0, 90 deg); about X (0, 90 deg, 0) is at gimbal lock.
  EXPECT_TRUE(euler_zxy(Eigen::AngleAxisd(M_PI / 2, Vec::UnitY()).toRotationMatrix()).isApprox(Vec(0, 0, M_PI / 2), 1e-12));
  EXPECT_TRUE(euler_zxy(Eigen::AngleAxisd(-0.3, Vec::UnitZ()).toRotationMatrix()).isApprox(Vec(-0.3, 0, 0), 1e-12));
  // R = Rz(a) Rx(b) Ry(c) with the rows written out by hand: R(2,1) = sin b.
  const double a = 0.4, b = -0.7, c = 1.1;
  const Eigen::Matrix3d r = rotation_from_euler_zxy({a, b, c});
  EXPECT_NEAR(r(2, 1), std::sin(b), 1e-12);
  EXPECT_NEAR(r(0, 1), -std::sin(a) * std::cos(b), 1e-12);
  EXPECT_NEAR(r(2, 0), -std::cos(b) * std::sin(c), 1e-12);
  EXPECT_TRUE(euler_zxy(r).isApprox(Vec(a, b, c), 1e-12));
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  for (int i = 0; i < 200; ++i) {
    const Eigen::Matrix3d q = rotation_from_euler_zxy({angle(rng), angle(rng) / 2, angle(rng)});
    EXPECT_TRUE(rotation_from_euler_zxy(euler_zxy(q)).isApprox(q, 1e-9));
  }
}

TEST(Euler, AnglesStayContinuousPastHalfATurn) {
  // A steady turn about Z from 0 to 400 degrees: no 360-degree jump between frames.
  Vec previous = Vec::Zero();
  for (int deg = 0; deg <= 400; deg += 10) {
    const Vec e = euler_zxy(Eigen::AngleAxisd(deg * M_PI / 180, Vec::UnitZ()).toRotationMatrix(), previous);
    EXPECT_NEAR(e[0], deg * M_PI / 180, 1e-9) << deg;
    previous = e;
  }
}

TEST(Motion, TheRestPoseHasNoRotationAndItsBonesAsOffsets) {
  const Motion m = motion_from_poses(as_poses({t_pose()}), h36m_skeleton16(), 50);
  for (const auto& r : m.rotations[0]) EXPECT_TRUE(r.isApprox(Eigen::Matrix3d::Identity(), 1e-6));
  EXPECT_TRUE(m.skeleton.offsets[1].isApprox(Vec(-0.12, 0, 0), 1e-6));   // RHip, to the person's right
  EXPECT_TRUE(m.skeleton.offsets[2].isApprox(Vec(0, -0.44, 0), 1e-6));   // RKnee, down
  EXPECT_TRUE(m.skeleton.offsets[12].isApprox(Vec(0.25, 0, 0), 1e-6));   // LWrist, out to the left
  EXPECT_TRUE(m.root_positions[0].isZero());
}

TEST(Motion, AWholeTurnOfTheBodyIsTheRootsRotationAlone) {
  const Eigen::Matrix3d turn = Eigen::AngleAxisd(M_PI / 2, Vec::UnitY()).toRotationMatrix();
  std::vector<Vec> turned = t_pose();
  for (auto& p : turned) p = turn * p;
  const Motion m = motion_from_poses(as_poses({turned}), h36m_skeleton16(), 50);
  EXPECT_TRUE(m.rotations[0][0].isApprox(turn, 1e-6));
  for (size_t j = 1; j < 16; ++j) EXPECT_TRUE(m.rotations[0][j].isApprox(Eigen::Matrix3d::Identity(), 1e-6)) << j;
  EXPECT_TRUE(euler_zxy(m.rotations[0][0]).isApprox(Vec(0, 0, M_PI / 2), 1e-6));
}

// Clips whose bones keep their lengths and whose pelvis and chest are rigid (a mocap skeleton's):
// written as BVH, read back and run through forward kinematics, every joint lands within 1 mm of
// where it was. The poses are built here with their own forward kinematics from random angles.
TEST(Bvh, ARoundTripReproducesEveryJointWithinAMillimetre) {
  const std::vector<int> parents = h36m_skeleton16().parents;
  const std::vector<std::vector<Vec>> frames = random_clip(20, nullptr);
  const Motion fitted = motion_from_poses(as_poses(frames), h36m_skeleton16(), 25);
  const fs::path path = test::temp_dir("bvh") / "clip.bvh";
  write_bvh(path.string(), fitted);
  const Motion back = read_bvh(path.string());
  EXPECT_EQ(back.frames(), 20);
  EXPECT_NEAR(back.fps, 25, 1e-6);
  EXPECT_EQ(back.skeleton.names[9], "Head");
  EXPECT_EQ(back.skeleton.parents, parents);
  const auto positions = joint_positions(back);
  for (int n = 0; n < 20; ++n) EXPECT_LT(worst_distance(positions[static_cast<size_t>(n)], frames[static_cast<size_t>(n)]), 1e-3) << n;
}

TEST(Bvh, BoneLengthsAreMediansWithLeftAndRightMadeEqual) {
  std::vector<Vec> a = t_pose(), b = t_pose(), c = t_pose();
  b[12] = b[11] + Vec(0.35, 0, 0);  // one frame's left forearm 10 cm long: the median ignores it
  c[15] = c[14] - Vec(0.21, 0, 0);  // the right forearm 21 cm in one frame, 25 in two
  const std::vector<double> l = clip_bone_lengths(as_poses({a, b, c}), h36m_skeleton16());
  EXPECT_NEAR(l[12], 0.25, 1e-6);
  EXPECT_NEAR(l[15], 0.25, 1e-6);
  EXPECT_NEAR(l[2], 0.44, 1e-6);
}

// A person 5 m in front of a pinhole camera (f = 1000 px, principal point at the image centre),
// 1 m left and 0.5 m up: the estimated root path finds them to within weak perspective's error.
TEST(Motion, TheRootPathFromTheTwoDimensionalSkeleton) {
  const Vec where(-1.0, -0.5, 5.0);  // camera frame: x right, y down
  const std::vector<Vec> pose = t_pose();
  ArrayF poses({3, 16, 3}), keypoints({3, 16, 2});
  for (int n = 0; n < 3; ++n)
    for (int j = 0; j < 16; ++j) {
      const Vec q = pose[static_cast<size_t>(j)] - pose[0];
      const Vec camera(q.x(), -q.y(), -q.z());
      const Vec at = where + camera;
      for (int d = 0; d < 3; ++d) poses.values[static_cast<size_t>((n * 16 + j) * 3 + d)] = static_cast<float>(camera[d]);
      keypoints.values[static_cast<size_t>((n * 16 + j) * 2)] = static_cast<float>(1000 * at.x() / at.z() + 960);
      keypoints.values[static_cast<size_t>((n * 16 + j) * 2 + 1)] = static_cast<float>(1000 * at.y() / at.z() + 540);
    }
  const std::vector<Vec> path = estimate_root_path(poses, keypoints, 1920, 1080, 1000);
  for (const Vec& p : path) EXPECT_LT((p - where).norm(), 0.03 * where.norm()) << p.transpose();
}

TEST(Bvh, DamagedFilesAreOneClearError) {
  const fs::path dir = test::temp_dir("bvh_bad");
  const Motion m = motion_from_poses(as_poses({t_pose(), t_pose()}), h36m_skeleton16(), 50);
  write_bvh((dir / "ok.bvh").string(), m);
  std::ifstream in(dir / "ok.bvh");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir / "cut.bvh") << text.substr(0, text.size() - 40);
  EXPECT_NE(test::error_of([&] { read_bvh((dir / "cut.bvh").string()); }).find("cut.bvh: ends early"), std::string::npos);
  std::string word = text;
  word.replace(word.find("OFFSET 0.000000"), 15, "OFFSET zero");
  std::ofstream(dir / "word.bvh") << word;
  EXPECT_NE(test::error_of([&] { read_bvh((dir / "word.bvh").string()); }).find("'zero' is not a number"), std::string::npos);
  EXPECT_NE(test::error_of([&] { read_bvh((dir / "none.bvh").string()); }).find("none.bvh: cannot be read"), std::string::npos);
  ArrayF nan = as_poses({t_pose()});
  nan.values[5] = std::nanf("");
  EXPECT_NE(test::error_of([&] { motion_from_poses(nan, h36m_skeleton16(), 50); }).find("not finite"), std::string::npos);
}

// Blender's own importers (Debian's blender, headless) as independent readers of both formats:
// every joint of every frame lands where the clip had it, the root walking its path (Blender turns
// Y-up into its Z-up: (x, y, z) -> (x, -z, y); BVH in centimetres, glTF in metres).
TEST(Motion, BlendersImportersPutEveryJointWhereTheClipHadIt) {
  if (std::system("command -v blender >/dev/null 2>&1") != 0) GTEST_SKIP() << "Blender is not installed (apt install blender)";
  std::vector<Vec> root;
  const std::vector<std::vector<Vec>> frames = random_clip(12, &root);
  const Motion motion = motion_from_poses(as_poses(frames), h36m_skeleton16(), 30, root);
  const fs::path dir = test::temp_dir("motion_blender");
  write_bvh((dir / "clip.bvh").string(), motion);
  write_glb((dir / "clip.glb").string(), motion);
  for (const auto& [file, unit] : {std::pair<std::string, double>{"clip.bvh", 100.0}, {"clip.glb", 1.0}}) {
    SCOPED_TRACE(file);
    const std::string cmd = "blender -b --factory-startup --python " HOIF_SOURCE_DIR "/tests/blender/bvh_joint_positions.py -- " +
                            (dir / file).string() + " " + (dir / "blender.json").string() + " 12 30 >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(dir / "blender.json");
    const auto j = nlohmann::json::parse(in);
    EXPECT_NEAR(j.at("fps").get<double>(), 30, 1e-4);  // Blender keeps the rate as a float
    ASSERT_EQ(j.at("frames").size(), 12u);
    const auto& names = h36m_skeleton16().names;
    for (size_t n = 0; n < 12; ++n)
      for (size_t k = 0; k < 16; ++k) {
        const Vec at = animation_from_camera(root[n]) + frames[n][k];  // metres, Y up
        const auto b = j["frames"][n].at(names[k]).get<std::vector<double>>();
        EXPECT_LT((Vec(b[0], b[1], b[2]) - unit * Vec(at.x(), -at.z(), at.y())).norm(), 1e-3 * unit) << names[k] << " frame " << n;
      }
  }
}

// The same clip as a glTF binary: read back (tinygltf's loader) and run through the node hierarchy,
// every joint within 1 mm, the root walking its path; the node names are the model's joints.
TEST(Gltf, ARoundTripReproducesEveryJointWithinAMillimetre) {
  std::vector<Vec> root;
  const std::vector<std::vector<Vec>> frames = random_clip(15, &root);
  const fs::path path = test::temp_dir("glb") / "clip.glb";
  write_glb(path.string(), motion_from_poses(as_poses(frames), h36m_skeleton16(), 30, root));
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  EXPECT_EQ(std::string(magic, 4), "glTF");
  const Motion back = read_glb(path.string());
  ASSERT_EQ(back.frames(), 15);
  EXPECT_NEAR(back.fps, 30, 1e-3);
  EXPECT_EQ(back.skeleton.names, h36m_skeleton16().names);
  EXPECT_EQ(back.skeleton.parents, h36m_skeleton16().parents);
  const auto positions = joint_positions(back);
  for (size_t n = 0; n < 15; ++n) {
    std::vector<Vec> expected = frames[n];
    for (auto& p : expected) p += animation_from_camera(root[n]);
    EXPECT_LT(worst_distance(positions[n], expected), 1e-3) << n;
  }
  std::ofstream(path.parent_path() / "not.glb") << "glTF but not really";
  EXPECT_NE(test::error_of([&] { read_glb((path.parent_path() / "not.glb").string()); }).find("not.glb: not a readable glTF binary"),
            std::string::npos);
}
