// hoif detect: 2D keypoints of one person in a photo or a video (MoveNet, docs/LIFTING.md).
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/data/keypoint_files.h"
#include "hoif/media/detect_media.h"
#include "runtime.h"

namespace hoif::cli {

namespace {

struct DetectFlags {
  std::string video, image, output, detector = "thunder", detector_model;
  int64_t limit = 0;
  int threads = 0;
};

void run(const DetectFlags& f) {
  if (f.video.empty() == f.image.empty()) fail("--video/--image", "give one of them");
  const std::string& media = f.video.empty() ? f.image : f.video;
  const std::string ext = std::filesystem::path(f.output).extension().string();
  if (ext != ".json" && ext != ".csv" && ext != ".npz") fail(f.output, "unknown output type (use .json, .csv or .npz)");
  if (f.limit < 0) fail("--limit", "must be 0 (every frame) or more");
  check_output_paths({{f.video.empty() ? "--image" : "--video", media}}, {{"--output", f.output}});
  setup_threads(f.threads);
  const std::string model_file = detector_model_file(f.detector, f.detector_model);
  const MoveNet detector(model_file);
  const auto start = std::chrono::steady_clock::now();
  const DetectedMedia d = detect_media(media, detector, {.max_frames = f.limit, .progress = true});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto frames = static_cast<int64_t>(d.lost.size());
  const auto lost = std::count(d.lost.begin(), d.lost.end(), uint8_t{1});
  write_keypoints(f.output, d.tracks, KeypointLayout::coco17,
                  {d.width, d.height, d.fps, d.lost, media + " (MoveNet " + f.detector + ")"});
  fmt::print("{}: {} frame{} of {} ({}x{}), person lost in {}; MoveNet {} at {:.1f} frames/s\n", f.output, frames,
             frames == 1 ? "" : "s", media, d.width, d.height, lost, f.detector, frames / std::max(seconds, 1e-9));
}

}  // namespace

void register_detect(CLI::App& app) {
  auto f = std::make_shared<DetectFlags>();
  CLI::App* cmd = app.add_subcommand("detect", "2D keypoints (COCO-17) of one person in a photo or a video, with MoveNet");
  cmd->add_option("--video", f->video, "A video file (anything FFmpeg reads)");
  cmd->add_option("--image", f->image, "A photo (JPEG, PNG)");
  cmd->add_option("--output", f->output, "keypoints.json (MMPose layout), .csv or .npz")->required();
  cmd->add_option("--detector", f->detector, "lightning (fast) or thunder (accurate)")->capture_default_str();
  cmd->add_option("--detector-model", f->detector_model, "Another copy of a MoveNet model.json (TensorFlow.js graph)");
  cmd->add_option("--limit", f->limit, "Only the first N frames (0: all)")->capture_default_str();
  cmd->add_option("--threads", f->threads, "CPU threads (0: every core)")->capture_default_str();
  cmd->callback([f] { run(*f); });
}

}  // namespace hoif::cli
