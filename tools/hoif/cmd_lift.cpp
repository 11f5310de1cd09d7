// hoif lift: 3D poses for the user's own 2D keypoints (docs/LIFTING.md).
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/media/detect_media.h"
#include "hoif/geometry/skeleton.h"
#include "hoif/inference/lift_keypoints.h"
#include "hoif/inference/lifted_poses.h"
#include "hoif/inference/motion_export.h"
#include "hoif/models/channel_product.h"
#include "hoif/training/checkpoint.h"
#include "runtime.h"

namespace hoif::cli {

namespace fs = std::filesystem;

namespace {

struct LiftFlags {
  std::string model, input, format, output, missing = "interpolate", device = "cpu";
  std::string image, video, detector = "thunder", detector_model;  // pixels in: the detector first
  int width = 0, height = 0, threads = 0;
  double min_confidence = 0.1, fps = 0;
  bool flip = false, bf16 = false, smooth = false;
  OneEuroParams smoothing = LiftOptions{}.smoothing;
  MotionExportOptions motion;  // .bvh output
};

// The 2D keypoints to lift, from a keypoint file or from the detector run on a photo or video.
struct LiftInput {
  KeypointTracks tracks;
  KeypointLayout layout = KeypointLayout::h36m16;
  int width = 0, height = 0;
  double fps = 0;             // the video's, 0 when not known
  std::vector<uint8_t> lost;  // per row, from the detector: the person was lost (lifted from neighbours)
};

LiftInput read_input(const LiftFlags& f) {
  LiftInput k;
  const std::string& source = !f.input.empty() ? f.input : !f.video.empty() ? f.video : f.image;
  if (!f.input.empty()) {
    k.layout = parse_layout(f.format);
    KeypointFile file = read_keypoints(f.input, k.layout);
    k.width = f.width > 0 ? f.width : file.info.width;
    k.height = f.height > 0 ? f.height : file.info.height;
    if (k.width <= 0 || k.height <= 0)
      fail("--width/--height", fmt::format("give the image size in pixels ({} does not state it)", f.input));
    k.fps = file.info.fps;
    k.tracks = std::move(file.tracks);
    k.lost = std::move(file.info.lost);
  } else {
    const MoveNet detector(detector_model_file(f.detector, f.detector_model));
    DetectedMedia d = detect_media(source, detector);
    k.layout = KeypointLayout::coco17;
    k.width = d.width;
    k.height = d.height;
    k.fps = d.fps;
    k.tracks = std::move(d.tracks);
    k.lost = std::move(d.lost);
  }
  // Lost rows are filled from the frames around them (or refused), and marked in the output.
  const int64_t lost = mark_lost_as_missing(k.tracks, k.lost, source);
  if (lost)
    fmt::print(stderr, "note: the person was lost in {} of {} frames; they are filled from the frames around them and marked 'lost'\n",
               lost, k.lost.size());
  return k;
}

// The poses with the 2D they were lifted from.
LiftedPoses lifted_poses(const LiftInput& input, const KeypointTracks& mapped, const ArrayF& poses,
                         const std::vector<std::string>& names) {
  LiftedPoses p;
  p.poses = poses;
  p.joint_names = names;
  p.set_keypoints(mapped.keypoints);
  p.width = input.width;
  p.height = input.height;
  p.frame = mapped.frame;
  p.person = mapped.person;
  p.lost = input.lost;
  return p;
}

void write_output(const std::string& path, const LiftedPoses& p, const LiftFlags& f, double fps) {
  if (!is_motion_file(path)) return write_lifted_poses(path, p);
  if (std::any_of(p.person.begin(), p.person.end(), [](int64_t who) { return who != 0; }))
    fail("--output", "an animation holds one person and the keypoints have several: write .npz, then `hoif export-motion --person N`");
  MotionExportOptions motion = f.motion;
  motion.fps = fps;
  export_motion(path, p.poses, p.keypoints_2d, p.width, p.height, motion);
}

void check_flags(const LiftFlags& f) {
  if (f.missing != "interpolate" && f.missing != "refuse") fail("--missing", "must be interpolate or refuse");
  const int sources = !f.input.empty() + !f.image.empty() + !f.video.empty();
  if (sources != 1) fail("--input/--image/--video", "give exactly one of them");
  if (!f.input.empty() && f.format.empty()) fail("--format", "give the joint layout of --input (h36m16, h36m17, coco17, openpose25, mpii16)");
  if (f.width < 0 || f.height < 0) fail("--width/--height", "must be positive (or left out where --input states the size)");
  const std::string ext = fs::path(f.output).extension().string();
  if (ext != ".npz" && ext != ".json" && ext != ".csv" && !is_motion_file(f.output))
    fail(f.output, "unknown output type (use .npz, .json, .csv, or .bvh / .glb for an animation)");
  if (!(f.min_confidence >= 0 && f.min_confidence <= 1)) fail("--min-confidence", "must be between 0 and 1");
  if (!(f.fps >= 0) || std::isinf(f.fps)) fail("--fps", "must be positive");
  if (!(f.smoothing.min_cutoff > 0) || !(f.smoothing.beta >= 0) || std::isinf(f.smoothing.min_cutoff) || std::isinf(f.smoothing.beta))
    fail("--smooth-min-cutoff/--smooth-beta", "must be positive numbers");
  check_output_paths({{"--checkpoint", f.model}, {"--input", f.input}, {"--image", f.image}, {"--video", f.video}}, {{"--output", f.output}});
}

void run(const LiftFlags& f) {
  setup_threads(f.threads);
  check_flags(f);
  const torch::Device device = parse_device(f.device);
  LoadedCheckpoint c = load_checkpoint(f.model, device);
  const int J = c.options.model.joints;
  if (c.options.data.keypoints != "gt" && c.options.data.keypoints != "gt17")
    fmt::print(stderr, "note: {} was trained on '{}' detections; keypoints from another detector may lift less well\n",
               f.model, c.options.data.keypoints);

  const LiftInput input = read_input(f);
  KeypointTracks tracks = input.tracks;
  tracks.keypoints = map_to_h36m(tracks.keypoints, input.layout, J);
  LiftOptions o;
  o.width = input.width;
  o.height = input.height;
  o.flip = f.flip;
  o.min_confidence = f.min_confidence;
  o.interpolate_missing = f.missing == "interpolate";
  // The frame rate: --fps, else the video's, else 50 (Human3.6M's).
  o.fps = f.fps > 0 ? f.fps : input.fps > 0 ? input.fps : 50.0;
  o.smooth = f.smooth;
  o.smoothing = f.smoothing;
  o.warn = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  const Bf16Inference precision(f.bf16);
  const ArrayF poses = lift_keypoints(*c.model, tracks, o, device);  // fills missing joints in place
  write_output(f.output, lifted_poses(input, tracks, poses, h36m_skeleton_for(J, f.model).names), f, o.fps);
  int64_t frames = 0, people = 0;
  for (size_t i = 0; i < tracks.frame.size(); ++i) {
    frames = std::max(frames, tracks.frame[i] + 1);
    people = std::max(people, tracks.person[i] + 1);
  }
  fmt::print("{}: {} poses ({} frames, up to {} people) lifted by {} ({}, {} joints){}\n", f.output, poses.dim(0), frames,
             people, f.model, c.options.model.name, J, f.flip ? " with flip augmentation" : "");
}

}  // namespace

void register_lift(CLI::App& app) {
  auto f = std::make_shared<LiftFlags>();
  CLI::App* cmd = app.add_subcommand("lift", "3D poses from your own 2D keypoints (JSON, CSV, npz), a photo or a video");
  cmd->add_option("--checkpoint,--model", f->model, "A checkpoint (hoif train); --model is the older name")->required();
  cmd->add_option("--input", f->input, "Keypoints: MMPose/OpenPose JSON (or a folder of OpenPose JSON), CSV, or npz");
  cmd->add_option("--format", f->format, "Joint layout of --input: h36m16, h36m17, coco17, openpose25, mpii16");
  cmd->add_option("--width", f->width, "Image width in pixels (with --input; default: the size the file states)");
  cmd->add_option("--height", f->height, "Image height in pixels (with --input; default: the size the file states)");
  cmd->add_option("--image", f->image, "Instead of --input: a photo of a person (the detector finds the 2D keypoints)");
  cmd->add_option("--video", f->video, "Instead of --input: a video of a person (tracked through the frames)");
  cmd->add_option("--detector", f->detector, "With --image/--video: lightning (fast) or thunder (accurate)")->capture_default_str();
  cmd->add_option("--detector-model", f->detector_model, "Another copy of a MoveNet model.json");
  cmd->add_option("--output", f->output, "poses.npz, poses.json, poses.csv, or an animation: poses.bvh, poses.glb")->required();
  cmd->add_option("--fps", f->fps, "Frame rate (default: the video's, else 50) for an animation and --smooth");
  cmd->add_flag("--smooth", f->smooth, "Smooth the 2D keypoints over time (One Euro filter) before lifting a video");
  cmd->add_option("--smooth-min-cutoff", f->smoothing.min_cutoff, "--smooth: cut-off at rest, Hz")->capture_default_str();
  cmd->add_option("--smooth-beta", f->smoothing.beta, "--smooth: cut-off gain with speed (per image height per second)")->capture_default_str();
  cmd->add_flag("--root-path", f->motion.root_path, "An animation's Hip moves along a path estimated from the 2D keypoints");
  cmd->add_option("--min-confidence", f->min_confidence, "Joints below this confidence are missing")->capture_default_str();
  cmd->add_option("--missing", f->missing, "interpolate (over time) or refuse")->capture_default_str();
  cmd->add_flag("--flip", f->flip, "Average with the lifted mirror image (test-time augmentation)");
  cmd->add_flag("--bf16", f->bf16, "Multiply in bf16 (fp32 accumulation): faster for long inputs on CPUs with AVX-512 BF16");
  cmd->add_option("--threads", f->threads, "CPU threads (0: every core)")->capture_default_str();
  cmd->add_option("--device", f->device, "cpu, cuda, cuda:N")->capture_default_str();
  cmd->callback([f] { run(*f); });
}

}  // namespace hoif::cli
