// hoif lift: 3D poses for the user's own 2D keypoints (docs/LIFTING.md).
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/geometry/skeleton.h"
#include "hoif/inference/lift.h"
#include "hoif/inference/motion_export.h"
#include "hoif/io/npz.h"
#include "hoif/models/precision.h"
#include "hoif/training/checkpoint.h"
#include "runtime.h"

namespace hoif::cli {

namespace fs = std::filesystem;

namespace {

struct LiftFlags {
  std::string model, input, format, output, missing = "interpolate", device = "cpu";
  int width = 0, height = 0, threads = 0;
  double min_confidence = 0.1;
  bool flip = false, bf16 = false;
  MotionExportOptions motion;  // .bvh output
};

constexpr const char* kFrame = "camera frame: x right, y down, z forward (away from the camera); metres; root-relative (Hip = 0)";

// The (N, J, 2) pixel positions of (N, J, 3) keypoints with confidences.
ArrayF pixel_positions(const KeypointTracks& tracks) {
  const int64_t N = tracks.keypoints.dim(0), J = tracks.keypoints.dim(1);
  ArrayF xy({N, J, 2});
  for (int64_t i = 0; i < N * J; ++i)
    for (int d = 0; d < 2; ++d) xy.values[static_cast<size_t>(i * 2 + d)] = tracks.keypoints.values[static_cast<size_t>(i * 3 + d)];
  return xy;
}

void write_output(const std::string& path, const KeypointTracks& mapped, const ArrayF& poses,
                  const std::vector<std::string>& names, const LiftFlags& f) {
  const int64_t N = poses.dim(0), J = poses.dim(1);
  std::string ext = fs::path(path).extension().string();
  if (ext == ".npz") {
    const ArrayF keypoints = pixel_positions(mapped);
    Array<int64_t> frame({N}), person({N}), size({2});
    frame.values = mapped.frame;
    person.values = mapped.person;
    size.values = {f.width, f.height};
    write_npz(path, {{"poses_3d", encode_npy(NdArray::from(poses))},
                     {"joint_names", encode_npy_strings(names)},
                     {"keypoints_2d", encode_npy(NdArray::from(keypoints))},
                     {"image_size", encode_npy(NdArray::from(size))},
                     {"frame", encode_npy(NdArray::from(frame))},
                     {"person", encode_npy(NdArray::from(person))}});
  } else if (ext == ".json") {
    nlohmann::ordered_json j;
    j["joint_names"] = names;
    j["coordinate_frame"] = kFrame;
    j["poses"] = nlohmann::ordered_json::array();
    for (int64_t n = 0; n < N; ++n) {
      nlohmann::ordered_json p;
      p["frame"] = mapped.frame[static_cast<size_t>(n)];
      p["person"] = mapped.person[static_cast<size_t>(n)];
      p["pose_3d"] = nlohmann::ordered_json::array();
      for (int64_t k = 0; k < J; ++k) {
        const float* v = &poses.values[static_cast<size_t>((n * J + k) * 3)];
        p["pose_3d"].push_back({v[0], v[1], v[2]});
      }
      j["poses"].push_back(p);
    }
    write_file_atomically(path, j.dump(1) + "\n");
  } else if (is_motion_file(path)) {
    if (std::any_of(mapped.person.begin(), mapped.person.end(), [](int64_t p) { return p != 0; }))
      fail("--output", "an animation holds one person and the keypoints have several: write .npz, then `hoif export-motion --person N`");
    export_motion(path, poses, pixel_positions(mapped), f.width, f.height, f.motion);
  } else if (ext == ".csv") {
    std::string csv = "frame,person";
    for (const auto& n : names) csv += fmt::format(",{0}_x,{0}_y,{0}_z", n);
    csv += "\n";
    for (int64_t n = 0; n < N; ++n) {
      csv += fmt::format("{},{}", mapped.frame[static_cast<size_t>(n)], mapped.person[static_cast<size_t>(n)]);
      for (int64_t k = 0; k < J * 3; ++k) csv += fmt::format(",{:.6f}", poses.values[static_cast<size_t>(n * J * 3 + k)]);
      csv += "\n";
    }
    write_file_atomically(path, csv);
  } else {
    fail(path, "unknown output type (use .npz, .json, .csv, or .bvh / .glb for an animation)");
  }
}

void run(const LiftFlags& f) {
  setup_threads(f.threads);
  if (f.missing != "interpolate" && f.missing != "refuse") fail("--missing", "must be interpolate or refuse");
  if (f.width <= 0 || f.height <= 0) fail("--width/--height", "give the image size in pixels (both positive)");
  const std::string ext = fs::path(f.output).extension().string();
  if (ext != ".npz" && ext != ".json" && ext != ".csv" && !is_motion_file(f.output))
    fail(f.output, "unknown output type (use .npz, .json, .csv, or .bvh / .glb for an animation)");
  if (!(f.min_confidence >= 0 && f.min_confidence <= 1)) fail("--min-confidence", "must be between 0 and 1");
  check_output_paths({{"--model", f.model}, {"--input", f.input}}, {{"--output", f.output}});
  const KeypointLayout layout = parse_layout(f.format);
  const torch::Device device = parse_device(f.device);
  LoadedCheckpoint c = load_checkpoint(f.model, device);
  const int J = c.options.model.joints;
  if (c.options.data.keypoints != "gt" && c.options.data.keypoints != "gt17")
    fmt::print(stderr, "note: {} was trained on '{}' detections; keypoints from another detector may lift less well\n",
               f.model, c.options.data.keypoints);

  KeypointTracks tracks = read_keypoints(f.input, layout);
  tracks.keypoints = map_to_h36m(tracks.keypoints, layout, J);
  LiftOptions o;
  o.width = f.width;
  o.height = f.height;
  o.flip = f.flip;
  o.min_confidence = f.min_confidence;
  o.interpolate_missing = f.missing == "interpolate";
  o.warn = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  const Bf16Inference precision(f.bf16);
  const ArrayF poses = lift_keypoints(*c.model, tracks, o, device);  // fills missing joints in place
  write_output(f.output, tracks, poses, h36m_skeleton_for(J, f.model).names, f);
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
  CLI::App* cmd = app.add_subcommand("lift", "Lift your own 2D keypoints (JSON, CSV, npz) to 3D");
  cmd->add_option("--model", f->model, "A checkpoint (hoif train)")->required();
  cmd->add_option("--input", f->input, "Keypoints: MMPose/OpenPose JSON (or a folder of OpenPose JSON), CSV, or npz")->required();
  cmd->add_option("--format", f->format, "Joint layout of the input: h36m16, h36m17, coco17, openpose25, mpii16")->required();
  cmd->add_option("--width", f->width, "Image width in pixels")->required();
  cmd->add_option("--height", f->height, "Image height in pixels")->required();
  cmd->add_option("--output", f->output, "poses.npz, poses.json, poses.csv, or an animation: poses.bvh, poses.glb")->required();
  cmd->add_option("--fps", f->motion.fps, "An animation's frame rate")->capture_default_str();
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
