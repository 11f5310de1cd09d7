// hoif detect and hoif lift --image/--video end to end, on photos and videos that Debian's
// opencv-doc ships, and on hostile media: each bad input is one error line (exit 1) or a
// documented empty result, never a crash.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "hoif/inference/lifted_poses.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kOpencvData = "/usr/share/doc/opencv-doc/examples/data/";
const std::string kModel = std::string(HOIF_SOURCE_DIR) + "/models/hoif_gt.ckpt";

hoif::test::CliRun run(const std::string& args) { return hoif::test::run_hoif(HOIF_BINARY, args); }

bool have_detector() { return fs::exists(std::string(HOIF_SOURCE_DIR) + "/models/detector/movenet-lightning.json"); }

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// A synthetic video made by FFmpeg's own test sources (no person in it).
fs::path make_video(const fs::path& dir, const std::string& name, const std::string& source, int frames) {
  const fs::path file = dir / name;
  const std::string command = "ffmpeg -v error -y -f lavfi -i '" + source + "' -frames:v " + std::to_string(frames) +
                              " -pix_fmt yuv420p '" + file.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return file;
}

class DetectCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_detector()) GTEST_SKIP() << "no MoveNet files: run scripts/get_detector.sh";
    if (!fs::exists(kOpencvData + "messi5.jpg")) GTEST_SKIP() << "no opencv-doc: scripts/setup.sh installs it";
    dir = hoif::test::temp_dir("cli_detect");
  }
  fs::path dir;
};

TEST_F(DetectCli, APhotoOfAPlayerGivesHisPose) {
  // messi5.jpg (548 x 342): one footballer, kicking. Measured by hand on a grid drawn over the
  // photo: his body lies within x 60..470, y 55..340, his nose near (242, 117), the middle of his
  // hips near (267, 235), his ankles near (272, 310) and (420, 265).
  const fs::path out = dir / "messi.json";
  const auto r = run("detect --image " + kOpencvData + "messi5.jpg --detector thunder --output " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out);
  const json doc = json::parse(in);
  EXPECT_EQ(doc["meta_info"]["image_size"], json({548, 342}));
  ASSERT_EQ(doc["instance_info"].size(), 1u);
  const json& person = doc["instance_info"][0]["instances"][0];
  EXPECT_FALSE(person["lost"].get<bool>());
  const auto point = [&](int j) { return person["keypoints"][j].get<std::vector<double>>(); };
  for (int j = 0; j < 17; ++j) {
    EXPECT_GE(point(j)[0], 60);
    EXPECT_LE(point(j)[0], 470);
    EXPECT_GE(point(j)[1], 55);
    EXPECT_LE(point(j)[1], 340);
    EXPECT_GT(person["keypoint_scores"][j].get<double>(), 0.2) << j;
  }
  EXPECT_NEAR(point(0)[0], 242, 20);
  EXPECT_NEAR(point(0)[1], 117, 20);
  EXPECT_NEAR((point(11)[0] + point(12)[0]) / 2, 267, 35);
  EXPECT_NEAR((point(11)[1] + point(12)[1]) / 2, 235, 35);
  // He faces the camera (the club's crest, worn on the left chest, is on the image's right), so
  // his left ankle (COCO 15) is the kicking foot on the right, his right ankle (16) the planted one.
  EXPECT_NEAR(point(15)[0], 420, 30);
  EXPECT_NEAR(point(15)[1], 265, 30);
  EXPECT_NEAR(point(16)[0], 272, 30);
  EXPECT_NEAR(point(16)[1], 310, 30);
}

TEST_F(DetectCli, LiftAPhotoAndAVideo) {
  const fs::path photo = dir / "messi_3d.npz";
  auto r = run("lift --checkpoint " + kModel + " --image " + kOpencvData + "messi5.jpg --output " + photo.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 poses (1 frames"), std::string::npos) << r.out;
  // A video: 30 frames of the street scene, tracked, smoothed, to a BVH animation.
  const fs::path clip = dir / "street.bvh";
  r = run("lift --model " + kModel + " --video " + kOpencvData + "vtest.avi --detector lightning --smooth --output " +
          clip.string() + " --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream bvh(clip);
  std::string text((std::istreambuf_iterator<char>(bvh)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Frames: 795"), std::string::npos);  // every frame of vtest.avi
  EXPECT_NE(text.find("Frame Time: 0.1"), std::string::npos);  // its 10 frames/s
}

TEST_F(DetectCli, AVideoWithoutAPersonIsMarkedLostAndNotLifted) {
  const fs::path grey = make_video(dir, "grey.mp4", "color=c=gray:s=320x240:r=10", 5);
  const fs::path out = dir / "grey.npz";
  auto r = run("detect --video " + grey.string() + " --detector lightning --output " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("5 frames of"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("person lost in 5"), std::string::npos) << r.out;
  r = run("lift --model " + kModel + " --video " + grey.string() + " --detector lightning --output " + (dir / "grey_3d.npz").string());
  EXPECT_EQ(r.exit_code, 1);
  // After the detector's progress line, one error line.
  EXPECT_EQ(r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1).find("hoif: error: " + grey.string() + ": no person found"), 0u) << r.err;
  EXPECT_EQ(r.err.find("error"), r.err.rfind("error")) << r.err;
  EXPECT_FALSE(fs::exists(dir / "grey_3d.npz"));
  // Lifting the keypoints detect wrote is the same: the file states the image size and the lost rows.
  r = run("lift --model " + kModel + " --input " + out.string() + " --format coco17 --output " + (dir / "grey_3d.npz").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "hoif: error: " + out.string() + ": no person found (the detector lost the person in every frame)\n");
  EXPECT_FALSE(fs::exists(dir / "grey_3d.npz"));
}

// What detect writes beyond the keypoints (image size, frame rate, lost frames) is used when its file
// is lifted, as when lifting the video: no --width/--height needed, the lost frame filled and marked.
TEST(LiftKeypointFile, UsesTheSizeRateAndLostFramesTheFileStates) {
  const fs::path dir = hoif::test::temp_dir("cli_lift_detected");
  // A person standing in a 640 x 360 frame, COCO-17 order (nose, eyes, ears, shoulders, elbows,
  // wrists, hips, knees, ankles; left before right).
  const std::vector<std::pair<int, int>> standing = {{320, 60}, {325, 55}, {315, 55}, {330, 58}, {310, 58}, {340, 100},
                                                     {300, 100}, {350, 150}, {290, 150}, {355, 195}, {285, 195},
                                                     {332, 200}, {308, 200}, {334, 265}, {306, 265}, {335, 330}, {305, 330}};
  json frames = json::array();
  for (int f = 0; f < 3; ++f) {
    json points = json::array(), scores = json::array();
    for (const auto& [x, y] : standing) {
      points.push_back({x + 2 * f, y});
      scores.push_back(f == 1 ? 0.9 : 0.8);  // frame 1's guess looks confident; only "lost" says otherwise
    }
    frames.push_back({{"frame_id", f}, {"lost", f == 1}, {"instances", {{{"keypoints", points}, {"keypoint_scores", scores}}}}});
  }
  const fs::path keypoints = dir / "clip_2d.json";
  std::ofstream(keypoints) << json{{"meta_info", {{"image_size", {640, 360}}, {"fps", 10.0}}}, {"instance_info", frames}}.dump();
  const fs::path poses = dir / "clip_3d.npz", motion = dir / "clip.bvh";
  auto r = run("lift --model " + kModel + " --input " + keypoints.string() + " --format coco17 --output " + poses.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the person was lost in 1 of 3 frames"), std::string::npos) << r.err;
  const hoif::LiftedPoses lifted = hoif::read_lifted_poses(poses.string());
  EXPECT_EQ(lifted.lost, (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(lifted.width, 640);
  EXPECT_EQ(lifted.height, 360);
  ASSERT_EQ(lifted.keypoint_scores.shape, (std::vector<int64_t>{3, 16}));
  EXPECT_FLOAT_EQ(lifted.keypoint_scores.values[16], 0.0f);  // frame 1, filled: confidence 0
  EXPECT_FLOAT_EQ(lifted.keypoint_scores.values[0], 0.8f);
  r = run("lift --model " + kModel + " --input " + keypoints.string() + " --format coco17 --output " + motion.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream bvh(motion);
  const std::string text((std::istreambuf_iterator<char>(bvh)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Frames: 3"), std::string::npos);
  EXPECT_NE(text.find("Frame Time: 0.1"), std::string::npos);  // the file's 10 frames/s, not the default 50
}

TEST_F(DetectCli, BadMediaAndModelsAreOneErrorLine) {
  const fs::path empty = dir / "empty.mp4";
  std::ofstream(empty).close();
  const fs::path text = dir / "notes.mp4";
  std::ofstream(text) << "not a video\n";
  const fs::path one_frame = make_video(dir, "one.mp4", "testsrc=s=160x120:r=25", 1);
  // A model whose weights were cut short.
  const fs::path cut = dir / "cut";
  fs::create_directories(cut);
  const std::string folder = std::string(HOIF_SOURCE_DIR) + "/models/detector/";
  fs::copy_file(folder + "movenet-lightning.json", cut / "movenet-lightning.json", fs::copy_options::overwrite_existing);
  {
    std::ifstream in(folder + "movenet-lightning.bin", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(cut / "movenet-lightning.bin", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  const std::string out = " --output " + (dir / "out.json").string();
  const struct {
    std::string args, message;
  } cases[] = {
      {"detect --video " + empty.string() + out, empty.string() + ": "},
      {"detect --video " + text.string() + out, text.string() + ": "},
      {"detect --video " + (dir / "missing.mp4").string() + out, "missing.mp4: "},
      {"detect --image " + kOpencvData + "messi5.jpg --detector-model " + (cut / "movenet-lightning.json").string() + out,
       "weight files hold"},
      {"detect --image " + kOpencvData + "messi5.jpg --detector-model " + (dir / "none.json").string() + out,
       "scripts/get_detector.sh"},
      {"detect --image " + kOpencvData + "messi5.jpg --detector medium" + out, "--detector: 'medium' is neither"},
      {"detect --image " + kOpencvData + "messi5.jpg --video " + one_frame.string() + out, "give one of them"},
      {"detect --image " + kOpencvData + "messi5.jpg --output " + kOpencvData + "messi5.jpg", "unknown output type"},
  };
  for (const auto& c : cases) {
    const auto r = run(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "out.json"));
  // A one-frame video is a video of one frame.
  const auto r = run("detect --video " + one_frame.string() + " --detector lightning" + out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 frame of"), std::string::npos) << r.out;
}

}  // namespace
