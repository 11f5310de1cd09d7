// Bad input end to end: the hoif program must print one line naming the file and the problem,
// exit non-zero, and not crash.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "fixtures.h"
#include "hoif/data/videopose3d.h"

namespace fs = std::filesystem;
using namespace hoif;

namespace {

using hoif::test::CliRun;

CliRun run(const std::string& args) { return hoif::test::run_hoif(HOIF_BINARY, args); }

// Exit 1 (not a crash) and a single line containing every fragment.
void expect_one_line_error(const CliRun& r, const std::vector<std::string>& fragments) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const auto& f : fragments) EXPECT_NE(r.err.find(f), std::string::npos) << "missing '" << f << "' in: " << r.err;
}

fs::path mini(const std::string& name) {
  const fs::path d = test::temp_dir(name);
  test::make_mini_archive(d / "h36m", false);
  return d / "h36m";
}

}  // namespace

TEST(Cli, HelpAndVersion) {
  const CliRun v = run("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("hoif 0."), std::string::npos);
  const CliRun h = run("--help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("prepare-data"), std::string::npos);
  EXPECT_EQ(run("data info --help").exit_code, 0);
  EXPECT_NE(run("no-such-command").exit_code, 0);
}

TEST(Cli, MissingDataFolder) {
  expect_one_line_error(run("data info --data /nonexistent/h36m"), {"/nonexistent/h36m", "no such file or folder"});
}

TEST(Cli, TruncatedTakeFile) {
  const fs::path root = mini("cli_truncated");
  const fs::path take = root / "S9" / "MyPoses" / "3D_positions" / "Walking 1.h5";
  fs::resize_file(take, 100);
  expect_one_line_error(run("data info --data " + root.string()), {"Walking 1.h5", "truncated or corrupt"});
}

TEST(Cli, MissingCamerasFile) {
  const fs::path root = mini("cli_no_cameras");
  fs::remove(root / "cameras.h5");
  expect_one_line_error(run("prepare-data --from-archive " + root.string() + " --out " + (root / "out").string()),
                        {"cameras.h5", "no such file"});
}

TEST(Cli, UnknownKeypointsAndActions) {
  const fs::path root = mini("cli_names");
  expect_one_line_error(run("data info --data " + root.string() + " --keypoints cpn_ft_h36m_dbb"),
                        {"data_2d_h36m_cpn_ft_h36m_dbb.npz", "no such file"});
  expect_one_line_error(run("data info --data " + root.string() + " --actions Walking,Jumping"),
                        {"--actions", "unknown action 'Jumping'"});
}

TEST(Cli, WrongJointCountAndNaNInDetections) {
  const fs::path root = mini("cli_detections");
  Keypoints2D k;
  k.num_joints = 15;
  k.layout_name = "h36m";
  for (int c = 0; c < 4; ++c) k.positions["S1"]["Walking"].push_back(ArrayF({5, 15, 2}));
  write_keypoints_2d((root / "data_2d_h36m_fifteen.npz").string(), k);
  expect_one_line_error(run("data info --data " + root.string() + " --keypoints fifteen"), {"has 15 joints"});

  Keypoints2D n;
  n.num_joints = 17;
  n.layout_name = "h36m";
  for (int c = 0; c < 4; ++c) n.positions["S1"]["Walking"].push_back(ArrayF({5, 17, 2}));
  n.positions["S1"]["Walking"][1].values[3] = std::nanf("");
  write_keypoints_2d((root / "data_2d_h36m_nan.npz").string(), n);
  expect_one_line_error(run("data info --data " + root.string() + " --keypoints nan"),
                        {"data_2d_h36m_nan.npz", "['S1']['Walking'][1]", "NaN"});
}

TEST(Cli, PrepareDataThenInfoOnThePreparedFolder) {
  const fs::path root = mini("cli_prepare");
  const fs::path out = root.parent_path() / "prepared";
  const CliRun p = run("prepare-data --from-archive " + root.string() + " --out " + out.string());
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("absent takes (206)"), std::string::npos) << p.out;
  for (const char* f : {"data_3d_h36m.npz", "data_2d_h36m_gt.npz", "data_2d_h36m_gt16.npz", "data_2d_h36m_sh_pt_mpii.npz",
                        "cameras.json"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const CliRun info = run("data info --data " + out.string() + " --json");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("\"train_poses\": 32"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("\"test_poses\": 16"), std::string::npos) << info.out;
}
