// The archive reader on a miniature archive the test writes (float32+gzip and float64 alike,
// folder and zip alike), checked against the poses and cameras it was built from.
#include <gtest/gtest.h>

#include "fixtures.h"
#include "hoif/core/error.h"
#include "hoif/data/archive.h"

using namespace hoif;
namespace fs = std::filesystem;

class ArchiveFormats : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(ArchiveFormats, ReadsPosesCamerasAndDetections) {
  const auto [float64, zipped] = GetParam();
  const fs::path dir = test::temp_dir(std::string("archive_") + (float64 ? "f8" : "f4") + (zipped ? "_zip" : ""));
  test::make_mini_archive(dir / "h36m", float64);
  std::string path = (dir / "h36m").string();
  if (zipped) {
    test::zip_folder(dir / "h36m", dir / "h36m.zip", "h36m/");
    path = (dir / "h36m.zip").string();
  }
  ASSERT_TRUE(H36mArchive::looks_like_archive(path));
  H36mArchive archive(path);
  EXPECT_EQ(archive.subjects(), (std::vector<std::string>{"S1", "S9"}));
  EXPECT_EQ(archive.takes("S1"), (std::vector<std::string>{"Eating 2", "Walking"}));

  const ArrayF walking = archive.positions("S1", "Walking");
  ASSERT_EQ(walking.shape, (std::vector<int64_t>{5, 32, 3}));
  for (int f : {0, 4})
    for (int j : {0, 13, 31})
      for (int d = 0; d < 3; ++d)
        EXPECT_NEAR(walking.values[(f * 32 + j) * 3 + d], test::mini_joint(1, 0, f, j)[d], 1e-6);

  const auto cameras = archive.cameras();
  ASSERT_EQ(cameras.size(), 2u);
  for (int c = 0; c < 4; ++c) {
    const Camera& got = cameras.at("S9")[c];
    const Camera want = test::mini_camera(c);
    EXPECT_EQ(got.id, kH36mCameraIds[c]);
    EXPECT_NEAR((got.R - want.R).norm(), 0.0, 1e-12) << "R must be transposed on load";
    EXPECT_NEAR((got.T - want.T).norm(), 0.0, 1e-12) << "T is stored in millimetres";
    EXPECT_NEAR((got.p - want.p).norm(), 0.0, 1e-15);
    EXPECT_EQ(got.height, want.height);
  }

  ASSERT_TRUE(archive.has_detections("S1", "Walking", 2));
  EXPECT_FALSE(archive.has_detections("S9", "Walking 1", 0));
  const ArrayF sh = archive.detections("S1", "Walking", 2);
  EXPECT_EQ(sh.shape, (std::vector<int64_t>{6, 16, 2}));
  EXPECT_FLOAT_EQ(sh.values[(1 * 16 + 3) * 2], 3 + 2000 + 10000);

  const Mocap mocap = archive.load_mocap();
  EXPECT_EQ(mocap.positions.at("S1").size(), 2u);
  // Every canonical take of S1 but the two present is absent; S5..S8 and S11 entirely.
  EXPECT_EQ(mocap.absent_takes().size(), 7u * 30 - 1 - 3);
}

INSTANTIATE_TEST_SUITE_P(Archive, ArchiveFormats,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()));

TEST(Archive, ErrorsNameTheFile) {
  const fs::path dir = test::temp_dir("archive_errors");
  try {
    H36mArchive a((dir / "nothing").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nothing: no such file or folder"), std::string::npos);
  }
  test::make_mini_archive(dir / "h36m", false);
  // Truncate one take's HDF5 file.
  const fs::path take = dir / "h36m" / "S1" / "MyPoses" / "3D_positions" / "Walking.h5";
  fs::resize_file(take, fs::file_size(take) / 2);
  H36mArchive archive((dir / "h36m").string());
  try {
    archive.positions("S1", "Walking");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Walking.h5: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated or corrupt"), std::string::npos) << e.what();
  }
  // Wrong shape: a (95, N) dataset.
  test::write_h5(dir / "h36m" / "S1" / "MyPoses" / "3D_positions" / "Posing.h5", "3D_positions", {95, 2},
                 std::vector<double>(190, 1.0), false);
  H36mArchive again((dir / "h36m").string());
  try {
    again.positions("S1", "Posing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Posing.h5: '3D_positions' must be (96, N)"), std::string::npos) << e.what();
  }
}
