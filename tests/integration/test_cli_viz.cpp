// hoif viz and hoif plot end to end: the written GIF and MP4 are decoded by an independent
// decoder (FFmpeg's ffprobe) and must have the frame count, size and duration asked for.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>

#include "fixtures.h"
#include "hoif/evaluation/predictions_file.h"

namespace fs = std::filesystem;
using namespace hoif;

namespace {

test::CliRun run(const std::string& args) { return test::run_hoif(HOIF_BINARY, args); }

std::string capture(const std::string& command) {
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buffer{};
  while (pipe && fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  return out;
}

// ffprobe's count of decoded frames, size and duration: "frames,width,height,duration".
std::string probe(const fs::path& file) {
  std::string s = capture("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                          "stream=nb_read_frames,width,height -show_entries format=duration -of "
                          "default=noprint_wrappers=1:nokey=0 '" + file.string() + "' 2>&1");
  auto value = [&](const std::string& key) {
    const auto p = s.find(key + "=");
    return p == std::string::npos ? std::string("?") : s.substr(p + key.size() + 1, s.find('\n', p) - p - key.size() - 1);
  };
  return value("nb_read_frames") + "," + value("width") + "," + value("height") + "," + value("duration");
}

// What `hoif evaluate --export` writes, for 40 consecutive frames of one take: a pose walking
// along x (camera frame, 4 m away), its prediction 10 cm off everywhere (which centring on the
// root removes) and another 16 cm off at one joint: MPJPE 16 cm / 16 joints = 10 mm.
fs::path predictions_fixture(const fs::path& dir) {
  const int64_t N = 40, J = 16;
  PoseSet set;
  set.num_joints = J;
  set.subjects = {"S9"};
  set.takes = {"Walking 1"};
  set.cameras.resize(1);
  for (auto& cam : set.cameras[0]) {
    cam.width = 1000;
    cam.height = 1002;
  }
  set.targets = ArrayF({N, J, 3});
  set.inputs = ArrayF({N, J, 2});
  ArrayF pred({N, J, 3});
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t j = 0; j < J; ++j) {
      const size_t o = static_cast<size_t>(n * J + j);
      set.targets.values[o * 3 + 0] = 0.05f * static_cast<float>(j % 4) + 0.01f * static_cast<float>(n);
      set.targets.values[o * 3 + 1] = 0.1f * static_cast<float>(j) - 0.8f;
      set.targets.values[o * 3 + 2] = 4.0f;
      pred.values[o * 3 + 0] = set.targets.values[o * 3 + 0] + 0.1f + (j == 5 ? 0.16f : 0.0f);
      pred.values[o * 3 + 1] = set.targets.values[o * 3 + 1];
      pred.values[o * 3 + 2] = 4.0f;
      set.inputs.values[o * 2 + 0] = 0.1f * static_cast<float>(j % 4);
      set.inputs.values[o * 2 + 1] = 0.1f * static_cast<float>(j) - 0.8f;
    }
    for (int64_t j = J - 1; j >= 0; --j)  // root-relative targets, as exported
      for (int d = 0; d < 3; ++d)
        set.targets.values[static_cast<size_t>((n * J + j) * 3 + d)] -= set.targets.values[static_cast<size_t>(n * J * 3 + d)];
    set.info.push_back({0, 13, 1, 0, static_cast<uint32_t>(n)});  // S9, Walking, camera 1
  }
  const fs::path path = dir / "preds.npz";
  write_predictions_file(path.string(), set, pred);
  return path;
}

}  // namespace

TEST(CliViz, GifAndMp4HaveTheFramesSizeAndDurationAskedFor) {
  const fs::path dir = test::temp_dir("viz_encode");
  const fs::path preds = predictions_fixture(dir);
  const std::string common = "viz --predictions " + preds.string() + " --subject S9 --action 'Walking 1' --camera 1";
  // 40 frames at 50 fps, first 30, averaged in pairs: 15 frames at 25 fps = 0.6 s. --size 3:
  // three 300-pixel panels, 352 high with the title and caption.
  const mode_t old_mask = ::umask(022);  // hoif inherits it: new files are then 0644
  const auto gif = run(common + " --limit 30 --downsample 2 --output " + (dir / "a.gif").string());
  ::umask(old_mask);
  ASSERT_EQ(gif.exit_code, 0) << gif.err;
  EXPECT_NE(gif.out.find("mean MPJPE of the frames shown 10.0 mm"), std::string::npos) << gif.out;
  EXPECT_EQ(probe(dir / "a.gif"), "15,900,352,0.600000");
  EXPECT_EQ(static_cast<mode_t>(fs::status(dir / "a.gif").permissions()), mode_t{0644});
  const auto mp4 = run(common + " --limit 30 --downsample 2 --output " + (dir / "a.mp4").string());
  ASSERT_EQ(mp4.exit_code, 0) << mp4.err;
  EXPECT_EQ(probe(dir / "a.mp4"), "15,900,352,0.600000");
  // --fps overrides; --size scales; no ground truth drops a panel.
  const auto small = run(common + " --fps 10 --size 2 --no-ground-truth --output " + (dir / "b.mp4").string());
  ASSERT_EQ(small.exit_code, 0) << small.err;
  EXPECT_EQ(probe(dir / "b.mp4"), "40,400,252,4.000000");
  // A video behind the 2D panel (here the MP4 just written, 15 frames): frames are read in step
  // with the poses; a video shorter than the take is an error naming it.
  const auto video = run(common + " --limit 12 --video " + (dir / "a.mp4").string() + " --output " + (dir / "v.gif").string());
  ASSERT_EQ(video.exit_code, 0) << video.err;
  EXPECT_EQ(probe(dir / "v.gif"), "12,900,352,0.240000");
  const auto short_video = run(common + " --limit 20 --video " + (dir / "a.mp4").string() + " --output " + (dir / "w.gif").string());
  EXPECT_EQ(short_video.exit_code, 1);
  EXPECT_NE(short_video.err.find("a.mp4: ends before frame 16"), std::string::npos) << short_video.err;
  EXPECT_FALSE(fs::exists(dir / "w.gif"));
  // PNG frames.
  const auto png = run(common + " --limit 3 --output " + (dir / "frames").string());
  ASSERT_EQ(png.exit_code, 0) << png.err;
  EXPECT_TRUE(fs::exists(dir / "frames" / "frame_00002.png"));
  EXPECT_FALSE(fs::exists(dir / "frames" / "frame_00003.png"));
}

TEST(CliViz, BadRequestsAreOneLineErrorsAndLeaveNoFile) {
  const fs::path dir = test::temp_dir("viz_errors");
  const fs::path preds = predictions_fixture(dir);
  const std::string common = "viz --predictions " + preds.string() + " --subject S9 --camera 1";
  auto r = run(common + " --action Walking --output " + (dir / "x.gif").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no take 'Walking'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Walking 1"), std::string::npos) << r.err;  // lists what exists
  r = run(common + " --action 'Walking 1' --output " + (dir / "x.avi").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown output type '.avi'"), std::string::npos) << r.err;
  r = run("viz --predictions " + (dir / "missing.npz").string() + " --output " + (dir / "x.gif").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.npz"), std::string::npos) << r.err;
  r = run(common + " --action 'Walking 1' --downsample 100 --output " + (dir / "x.gif").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--downsample"), std::string::npos) << r.err;
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename().string().find("x."), std::string::npos) << e.path();
}

TEST(CliPlot, ErrorBarsFromAnEvaluationJsonAndCurvesFromALog) {
  const fs::path dir = test::temp_dir("plot");
  std::ofstream(dir / "eval.json") << R"({"p1": 50.0, "p2": 40.0, "per_action": {"Walking": {"p1": 45.0, "p2": 35.0, "poses": 10}},
    "poses": 10, "per_joint": {"Hip": 0.0, "RHip": 20.0}})";
  auto r = run("plot errors " + (dir / "eval.json").string() + " --per-action " + (dir / "a.png").string() +
               " --per-joint " + (dir / "j.png").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(fs::file_size(dir / "a.png"), 1000u);
  EXPECT_GT(fs::file_size(dir / "j.png"), 1000u);
  fs::create_directories(dir / "run");
  std::ofstream(dir / "run" / "log.csv") << "epoch,lr,loss_train,error_eval_p1,error_eval_p2,poses_seen,train_seconds\n"
                                         << "1,0.001,0.01,80.0,60.0,1000000,100.0\n2,0.001,0.008,70.0,55.0,2000000,200.0\n";
  r = run("plot curves " + (dir / "run").string() + " --output " + (dir / "c.png").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(fs::file_size(dir / "c.png"), 1000u);
  std::ofstream(dir / "bad.json") << "{\"p1\": 1}";
  r = run("plot errors " + (dir / "bad.json").string() + " --per-action " + (dir / "z.png").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.json: is not an evaluation JSON"), std::string::npos) << r.err;
}
