// Training and test sets built from the miniature archive, checked against hand computation:
// camera 0 of the mini archive is R = I, T = (0, 0, -5) m without distortion.
#include <gtest/gtest.h>

#include <set>

#include "fixtures.h"
#include "hoif/core/error.h"
#include "hoif/data/dataset.h"
#include "hoif/data/h36m.h"
#include "hoif/data/keypoints.h"
#include "hoif/geometry/skeleton.h"

using namespace hoif;
using test::error_of;
namespace fs = std::filesystem;

namespace {

struct MiniData : ::testing::Test {
  static fs::path root() {
    static const fs::path dir = [] {
      fs::path d = test::temp_dir("dataset_mini");
      test::make_mini_archive(d / "h36m", false);
      return d / "h36m";
    }();
    return dir;
  }
};


}  // namespace

TEST_F(MiniData, GroundTruthSetsHaveOneRowPerFrameAndCamera) {
  H36mData data(root().string());
  const Datasets d = load_datasets(data, {});
  EXPECT_EQ(d.train.size(), (5 + 3) * 4);
  EXPECT_EQ(d.test.size(), 4 * 4);
  EXPECT_EQ(d.train.num_joints, 16);
  EXPECT_EQ(d.train.inputs.shape, (std::vector<int64_t>{32, 16, 2}));
  EXPECT_EQ(d.train.targets.shape, (std::vector<int64_t>{32, 16, 3}));
  EXPECT_TRUE(d.skipped.empty());
}

TEST_F(MiniData, CameraZeroMatchesHandComputation) {
  H36mData data(root().string());
  const Datasets d = load_datasets(data, {});
  const PoseSet& s = d.train;
  // Find S1 "Walking", camera 0, frame 3.
  int64_t row = -1;
  for (int64_t i = 0; i < s.size(); ++i) {
    const PoseInfo& p = s.info[i];
    if (s.subjects[p.subject] == "S1" && s.takes[p.take] == "Walking" && p.camera == 0 && p.frame == 3) row = i;
  }
  ASSERT_GE(row, 0);
  EXPECT_EQ(h36m_actions()[s.info[row].action], "Walking");
  const auto& joints = h36m32_to_16();
  const Eigen::Vector3d root = test::mini_joint(1, 0, 3, 0);
  for (int j = 0; j < 16; ++j) {
    const Eigen::Vector3d x = test::mini_joint(1, 0, 3, joints[j]);
    for (int d = 0; d < 3; ++d) EXPECT_NEAR(s.targets.values[(row * 16 + j) * 3 + d], x[d] - root[d], 1e-6);
    // Pinhole: f * X / (Z + 5) + c, then x / 1000 * 2 - 1, y / 1000 * 2 - 1002 / 1000.
    const double px = 1100.0 * x[0] / (x[2] + 5.0) + 500.0, py = 1120.0 * x[1] / (x[2] + 5.0) + 510.0;
    EXPECT_NEAR(s.inputs.values[(row * 16 + j) * 2], px / 1000 * 2 - 1, 1e-6);
    EXPECT_NEAR(s.inputs.values[(row * 16 + j) * 2 + 1], py / 1000 * 2 - 1.002, 1e-6);
  }
}

TEST_F(MiniData, StrideAndActionFilter) {
  H36mData data(root().string());
  DatasetOptions o;
  o.downsample = 2;
  const Datasets d = load_datasets(data, o);
  EXPECT_EQ(d.train.size(), (3 + 2) * 4);  // frames 0 2 4 of Walking, 0 2 of Eating 2
  std::set<uint32_t> frames;
  for (const auto& p : d.train.info) frames.insert(p.frame);
  EXPECT_EQ(frames, (std::set<uint32_t>{0, 2, 4}));
  o.downsample = 1;
  o.actions = {"Walking"};
  const Datasets w = load_datasets(data, o);
  EXPECT_EQ(w.train.size(), 5 * 4);
  EXPECT_EQ(w.test.size(), 4 * 4);
  o.actions = {"Jumping"};
  EXPECT_NE(error_of([&] { load_datasets(data, o); }).find("--actions: unknown action 'Jumping'"), std::string::npos);
}

TEST_F(MiniData, ValidationSubjectsAreHeldOutOfTraining) {
  H36mData data(root().string());
  DatasetOptions o;
  o.validation_subjects = {"S1"};  // the mini archive's only training subject
  const Datasets d = load_datasets(data, o);
  EXPECT_EQ(d.train.size(), 0);
  EXPECT_EQ(d.validation.size(), (5 + 3) * 4);
  EXPECT_EQ(d.validation.subjects, std::vector<std::string>{"S1"});
  EXPECT_EQ(d.test.size(), 4 * 4);
  EXPECT_EQ(load_datasets(data, {}).validation.size(), 0);
  o.validation_subjects = {"S9"};
  EXPECT_EQ(error_of([&] { load_datasets(data, o); }), "--validation-subjects: 'S9' is not a training subject (S1 S5 S6 S7 S8)");
  o.validation_subjects = {"S8"};
  EXPECT_EQ(error_of([&] { load_datasets(data, o); }), "--validation-subjects: the data has no poses of these subjects");
}

TEST_F(MiniData, StackedHourglassIsMappedAndCutToTheMocap) {
  H36mData data(root().string());
  DatasetOptions o;
  o.keypoints = "sh_pt_mpii";
  const Datasets d = load_datasets(data, o);
  EXPECT_EQ(d.train.size(), 5 * 4);  // 6 detected frames cut to the 5 mocap frames
  EXPECT_EQ(d.test.size(), 0);
  EXPECT_EQ(d.skipped.size(), 2u);  // S1 Eating 2, S9 Walking 1 have no detections
  // Row 5 is camera 1, frame 0: Hip is MPII joint 6 -> x = 6 + 1000, y = 106; camera 1 is 1000 x 1000.
  const PoseInfo& p = d.train.info[5];
  ASSERT_EQ(p.camera, 1);
  ASSERT_EQ(p.frame, 0u);
  EXPECT_NEAR(d.train.inputs.values[5 * 32 + 0], 1006.0 / 1000 * 2 - 1, 1e-6);
  EXPECT_NEAR(d.train.inputs.values[5 * 32 + 1], 106.0 / 1000 * 2 - 1, 1e-6);
  // RWrist (h36m16 index 15) is MPII joint 10.
  EXPECT_NEAR(d.train.inputs.values[5 * 32 + 30], 1010.0 / 1000 * 2 - 1, 1e-6);
}

TEST_F(MiniData, PreparedFolderGivesTheSameSetsAsTheArchive) {
  const fs::path out = test::temp_dir("dataset_prepared");
  H36mData archive(root().string());
  write_positions_3d((out / "data_3d_h36m.npz").string(), archive.mocap().positions);
  write_cameras_json((out / "cameras.json").string(), archive.mocap().cameras);
  Keypoints2D cpn = project_ground_truth(archive.mocap(), 17);  // stands in for a 17-joint detector
  write_keypoints_2d((out / "data_2d_h36m_cpn_test.npz").string(), cpn);

  H36mData prepared(out.string());
  EXPECT_FALSE(prepared.from_archive());
  const Datasets a = load_datasets(archive, {}), b = load_datasets(prepared, {});
  ASSERT_EQ(a.train.size(), b.train.size());
  for (size_t i = 0; i < a.train.inputs.values.size(); ++i)
    ASSERT_NEAR(a.train.inputs.values[i], b.train.inputs.values[i], 1e-6);
  DatasetOptions o;
  o.keypoints = "cpn_test";
  const Datasets c = load_datasets(prepared, o);
  EXPECT_EQ(c.train.num_joints, 17);
  EXPECT_EQ(c.train.targets.shape, (std::vector<int64_t>{32, 17, 3}));
  o.keypoints = "nothing_here";
  EXPECT_NE(error_of([&] { load_datasets(prepared, o); }).find("data_2d_h36m_nothing_here.npz: no such file"),
            std::string::npos);
}

TEST_F(MiniData, DetectionsThatAreTooShortOrInAnotherLayoutAreRefused) {
  const fs::path out = test::temp_dir("dataset_bad_detections");
  H36mData archive(root().string());
  Keypoints2D k = project_ground_truth(archive.mocap(), 17);
  ArrayF& cam = k.positions["S1"]["Walking"][2];
  cam.shape[0] = 4;
  cam.values.resize(4 * 17 * 2);
  write_keypoints_2d((out / "short.npz").string(), k);
  DatasetOptions o;
  o.keypoints = (out / "short.npz").string();
  EXPECT_NE(error_of([&] { load_datasets(archive, o); }).find("camera 58860488 has 4 frames, fewer than the mocap's 5"),
            std::string::npos);
  Keypoints2D coco = project_ground_truth(archive.mocap(), 17);
  coco.layout_name = "coco";
  write_keypoints_2d((out / "coco.npz").string(), coco);
  o.keypoints = (out / "coco.npz").string();
  EXPECT_NE(error_of([&] { load_datasets(archive, o); }).find("'coco' layout"), std::string::npos);
}
