// The user's keypoint files: what hoif detect writes beyond the keypoints (image size, frame rate,
// lost rows, frame and person numbers) reads back, and lost rows become missing joints.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "hoif/data/keypoint_files.h"

using namespace hoif;
namespace fs = std::filesystem;

namespace {

// Three rows of COCO-17 keypoints: row r has joint j at (r + j, 2 j) with confidence 0.8.
KeypointTracks three_rows(std::vector<int64_t> frame, std::vector<int64_t> person) {
  KeypointTracks t;
  t.keypoints = ArrayF({3, 17, 3});
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t j = 0; j < 17; ++j) {
      float* p = &t.keypoints.values[static_cast<size_t>((r * 17 + j) * 3)];
      p[0] = static_cast<float>(r + j);
      p[1] = 2.0f * static_cast<float>(j);
      p[2] = 0.8f;
    }
  t.frame = std::move(frame);
  t.person = std::move(person);
  return t;
}

const KeypointFileInfo kDetected{640, 360, 25.0, {0, 1, 0}, "clip.mp4 (MoveNet thunder)"};

}  // namespace

TEST(KeypointFiles, NpzKeepsFramesPeopleSizeRateAndLostRows) {
  const fs::path path = test::temp_dir("keypoint_files_npz") / "two_people.npz";
  const KeypointTracks written = three_rows({0, 0, 2}, {0, 1, 0});  // two people in frame 0, one in frame 2
  write_keypoints(path.string(), written, KeypointLayout::coco17, kDetected);
  const KeypointFile read = read_keypoints(path.string(), KeypointLayout::coco17);
  EXPECT_EQ(read.tracks.frame, (std::vector<int64_t>{0, 0, 2}));
  EXPECT_EQ(read.tracks.person, (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(read.tracks.keypoints.values, written.keypoints.values);
  EXPECT_EQ(read.info.width, 640);
  EXPECT_EQ(read.info.height, 360);
  EXPECT_DOUBLE_EQ(read.info.fps, 25.0);
  EXPECT_EQ(read.info.lost, (std::vector<uint8_t>{0, 1, 0}));
}

TEST(KeypointFiles, MmposeJsonKeepsSizeRateAndLostFrames) {
  const fs::path path = test::temp_dir("keypoint_files_json") / "clip.json";
  write_keypoints(path.string(), three_rows({0, 1, 2}, {0, 0, 0}), KeypointLayout::coco17, kDetected);
  const KeypointFile read = read_keypoints(path.string(), KeypointLayout::coco17);
  EXPECT_EQ(read.tracks.frame, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(read.info.width, 640);
  EXPECT_EQ(read.info.height, 360);
  EXPECT_DOUBLE_EQ(read.info.fps, 25.0);
  EXPECT_EQ(read.info.lost, (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(read.info.source, "clip.mp4 (MoveNet thunder)");
}

TEST(KeypointFiles, MmposeJsonKeepsThePeopleOfAFrameApart) {
  const fs::path path = test::temp_dir("keypoint_files_json_people") / "two_people.json";
  write_keypoints(path.string(), three_rows({0, 0, 2}, {0, 1, 0}), KeypointLayout::coco17, kDetected);
  std::ifstream in(path);
  const auto doc = nlohmann::json::parse(in);
  ASSERT_EQ(doc["instance_info"].size(), 2u);  // frames 0 and 2, as MMPose writes them
  EXPECT_EQ(doc["instance_info"][0]["instances"].size(), 2u);
  const KeypointFile read = read_keypoints(path.string(), KeypointLayout::coco17);
  EXPECT_EQ(read.tracks.frame, (std::vector<int64_t>{0, 0, 2}));
  EXPECT_EQ(read.tracks.person, (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(read.info.lost, (std::vector<uint8_t>{0, 1, 0}));  // frame 0's second person only
}

TEST(KeypointFiles, MmposeJsonGathersAFramesPeopleListedApart) {
  const fs::path path = test::temp_dir("keypoint_files_json_apart") / "apart.json";
  write_keypoints(path.string(), three_rows({2, 0, 2}, {0, 0, 1}), KeypointLayout::coco17, kDetected);
  const KeypointFile read = read_keypoints(path.string(), KeypointLayout::coco17);
  EXPECT_EQ(read.tracks.frame, (std::vector<int64_t>{0, 2, 2}));  // frame 0 first, as MMPose writes them
  EXPECT_EQ(read.tracks.person, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(read.info.lost, (std::vector<uint8_t>{1, 0, 0}));  // the row of frame 0 was the lost one
  EXPECT_FLOAT_EQ(read.tracks.keypoints.values[0], 1.0f);    // and its joint 0 was at x = 1 (row 1)
}

TEST(KeypointFiles, MmposeTrackIdsNameThePeople) {
  const fs::path path = test::temp_dir("keypoint_files_track_id") / "tracked.json";
  std::string points;
  for (int j = 0; j < 17; ++j) points += (j ? "," : "") + std::string("[1, 2]");
  const auto instance = [&](const std::string& id) { return R"({"track_id": )" + id + R"(, "keypoints": [)" + points + "]}"; };
  std::ofstream(path) << R"({"instance_info": [{"frame_id": 0, "instances": [)" << instance("3") << "," << instance("1")
                      << R"(]}, {"frame_id": 1, "instances": [)" << instance("1") << "]}]}";
  const KeypointFile read = read_keypoints(path.string(), KeypointLayout::coco17);
  EXPECT_EQ(read.tracks.frame, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(read.tracks.person, (std::vector<int64_t>{3, 1, 1}));
  std::ofstream(path) << R"({"instance_info": [{"frame_id": 4, "instances": [)" << instance("-2") << "]}]}";
  EXPECT_EQ(test::error_of([&] { read_keypoints(path.string(), KeypointLayout::coco17); }),
            path.string() + ": frame 4: track_id must be a whole number, 0 or more");
}

TEST(KeypointFiles, CsvRefusesRowsThatAreNotOneFrameEach) {
  const fs::path path = test::temp_dir("keypoint_files_csv_people") / "two_people.csv";
  EXPECT_EQ(test::error_of([&] { write_keypoints(path.string(), three_rows({0, 0, 2}, {0, 1, 0}), KeypointLayout::coco17, kDetected); }),
            path.string() + ": frame 0 has several people, and a CSV file holds one per frame (write .json or .npz)");
  EXPECT_EQ(test::error_of([&] { write_keypoints(path.string(), three_rows({0, 1, 0}, {0, 0, 1}), KeypointLayout::coco17, kDetected); }),
            path.string() + ": frame 0 has several people, and a CSV file holds one per frame (write .json or .npz)");
  EXPECT_EQ(test::error_of([&] { write_keypoints(path.string(), three_rows({0, 2, 5}, {0, 0, 0}), KeypointLayout::coco17, kDetected); }),
            path.string() + ": row 1 is frame 2, and a CSV file numbers its frames by row from 0 (write .json or .npz)");
  EXPECT_FALSE(fs::exists(path));
}

TEST(KeypointFiles, FilesThatStateNothingMoreReadAsBefore) {
  const fs::path csv = test::temp_dir("keypoint_files_plain") / "plain.csv";
  std::ofstream(csv) << "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34\n";
  const KeypointFile read = read_keypoints(csv.string(), KeypointLayout::coco17);
  EXPECT_EQ(read.tracks.frame, (std::vector<int64_t>{0}));
  EXPECT_EQ(read.info.width, 0);
  EXPECT_EQ(read.info.fps, 0.0);
  EXPECT_TRUE(read.info.lost.empty());
}

TEST(KeypointFiles, BadMetadataIsAnErrorNamingTheFile) {
  const fs::path dir = test::temp_dir("keypoint_files_bad");
  const auto json_file = [&](const std::string& name, const std::string& meta, const std::string& lost) {
    std::string points;
    for (int j = 0; j < 17; ++j) points += (j ? "," : "") + std::string("[1, 2]");
    std::ofstream(dir / name) << R"({"meta_info": )" << meta << R"(, "instance_info": [{"frame_id": 0, )" << lost
                              << R"("instances": [{"keypoints": [)" << points << "]}]}]}";
    return (dir / name).string();
  };
  const std::string size = json_file("size.json", R"({"image_size": [640]})", "");
  EXPECT_EQ(test::error_of([&] { read_keypoints(size, KeypointLayout::coco17); }),
            size + ": meta_info.image_size must be [width, height] in pixels");
  const std::string fps = json_file("fps.json", R"({"fps": -3})", "");
  EXPECT_EQ(test::error_of([&] { read_keypoints(fps, KeypointLayout::coco17); }), fps + ": meta_info.fps must be a positive number");
  const std::string lost = json_file("lost.json", "{}", R"("lost": "yes", )");
  EXPECT_EQ(test::error_of([&] { read_keypoints(lost, KeypointLayout::coco17); }),
            lost + ": instance_info[0]: lost must be true or false");
  const std::string good = json_file("good.json", R"({"image_size": [640, 360]})", R"("lost": true, )");
  EXPECT_EQ(read_keypoints(good, KeypointLayout::coco17).info.lost, (std::vector<uint8_t>{1}));
}

TEST(KeypointFiles, LostRowsBecomeMissingAndAllLostIsNoPerson) {
  KeypointTracks t = three_rows({0, 1, 2}, {0, 0, 0});
  EXPECT_EQ(mark_lost_as_missing(t, {0, 1, 0}, "clip.json"), 1);
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t j = 0; j < 17; ++j) {
      const float c = t.keypoints.values[static_cast<size_t>((r * 17 + j) * 3 + 2)];
      EXPECT_EQ(std::isnan(c), r == 1) << r << " " << j;
    }
  EXPECT_EQ(mark_lost_as_missing(t, {}, "clip.json"), 0);  // a file that names no lost rows
  EXPECT_EQ(test::error_of([&] { mark_lost_as_missing(t, {1, 1, 1}, "clip.json"); }),
            "clip.json: no person found (the detector lost the person in every frame)");
}
