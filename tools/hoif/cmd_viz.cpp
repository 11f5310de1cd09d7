// hoif viz: one take seen from one camera, as the original viz.py draws it (2D input, 3D
// prediction, 3D ground truth), to a GIF, an MP4 or a folder of PNG frames.
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>

#include <Eigen/Dense>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/core/progress.h"
#include "hoif/data/data_source.h"
#include "hoif/data/dataset.h"
#include "hoif/data/h36m.h"
#include "hoif/evaluation/metrics.h"
#include "hoif/evaluation/predictions_file.h"
#include "hoif/inference/predict.h"
#include "hoif/geometry/camera.h"
#include "hoif/inference/lifted_poses.h"
#include "hoif/training/checkpoint.h"
#include "hoif/media/video_reader.h"
#include "hoif/visualization/video.h"
#include "runtime.h"

namespace hoif::cli {

namespace {

struct VizFlags {
  std::string checkpoint, data, predictions, poses3d, subject = "S11", action = "Walking", output, video;
  std::string device = "cpu";
  int camera = 0, downsample = 1, limit = 0, threads = 0, bitrate = 3000;
  double size = 3.0, fps = 0.0;
  CLI::App* cmd = nullptr;
  bool no_ground_truth = false;
};

// viz.py's view for each of the four cameras.
constexpr std::array<double, 4> kCameraAzimuths = {70.0, -70.0, 110.0, -110.0};

// One take from one camera: per frame the 2D keypoints (pixels) and the 3D poses (camera frame,
// metres, root-relative).
struct Sequence {
  std::string title;
  std::vector<std::vector<Eigen::Vector2d>> keypoints;
  std::vector<std::vector<Eigen::Vector3d>> predicted, truth;
  Eigen::Matrix3d camera_to_world = Eigen::Matrix3d::Identity();  // rotation only, as viz.py
  int width = 1000, height = 1000, joints = 0;
  double azimuth = 70.0, fps = 50.0;
};

std::vector<Eigen::Vector3d> pose3(const ArrayF& a, int64_t row, bool centre) {
  const int64_t J = a.shape[1];
  std::vector<Eigen::Vector3d> p(static_cast<size_t>(J));
  for (int64_t j = 0; j < J; ++j) {
    const float* v = &a.values[static_cast<size_t>((row * J + j) * 3)];
    p[static_cast<size_t>(j)] = Eigen::Vector3d(v[0], v[1], v[2]);
  }
  if (centre) {
    const Eigen::Vector3d root = p[0];
    for (auto& q : p) q -= root;
  }
  return p;
}

std::vector<Eigen::Vector2d> pose2(const ArrayF& a, int64_t row, bool normalised, int width, int height) {
  const int64_t J = a.shape[1];
  std::vector<Eigen::Vector2d> p(static_cast<size_t>(J));
  for (int64_t j = 0; j < J; ++j) {
    const float* v = &a.values[static_cast<size_t>((row * J + j) * 2)];
    const Eigen::Vector2d x(v[0], v[1]);
    p[static_cast<size_t>(j)] = normalised ? unnormalize_screen(x, width, height) : x;
  }
  return p;
}

// The rows of `subject`, `take`, `camera` ordered by frame, or an error listing what exists.
std::vector<int64_t> select_rows(const std::vector<PoseInfo>& info, const std::vector<std::string>& subjects,
                                 const std::vector<std::string>& takes, const VizFlags& f, const std::string& where) {
  std::vector<int64_t> rows;
  std::vector<std::string> available;
  for (size_t i = 0; i < info.size(); ++i) {
    const PoseInfo& p = info[i];
    if (subjects[p.subject] != f.subject) continue;
    const std::string& take = takes[p.take];
    if (std::find(available.begin(), available.end(), take) == available.end()) available.push_back(take);
    if (take == f.action && p.camera == f.camera) rows.push_back(static_cast<int64_t>(i));
  }
  if (available.empty()) fail(where, "has no poses of subject " + f.subject);
  if (rows.empty())
    fail("--action", fmt::format("no take '{}' of {} (camera {}) in {}; takes: {}", f.action, f.subject, f.camera, where,
                                 fmt::join(available, ", ")));
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) {
    return info[static_cast<size_t>(a)].frame < info[static_cast<size_t>(b)].frame;
  });
  return rows;
}

Sequence from_checkpoint(const VizFlags& f) {
  const torch::Device device = parse_device(f.device);
  LoadedCheckpoint c = load_checkpoint(f.checkpoint, device);
  const std::string data_path = f.data.empty() ? c.options.data_path : f.data;
  if (data_path.empty()) fail("--data", "is required: the checkpoint does not say where its data is");
  H36mData data(data_path);
  if (!data.mocap().positions.count(f.subject)) fail("--subject", "'" + f.subject + "' is not in " + data_path);
  DatasetOptions options = c.options.data;
  options.downsample = 1;
  options.actions = {};
  std::vector<SkippedTake> skipped;
  const PoseSet set = build_pose_set(data.mocap(), data.keypoints(options.keypoints), {f.subject}, options, &skipped);
  const std::vector<int64_t> rows = select_rows(set.info, set.subjects, set.takes, f, data_path);

  const int64_t J = set.num_joints, n = static_cast<int64_t>(rows.size());
  ArrayF inputs({n, J, 2});
  for (int64_t r = 0; r < n; ++r)
    std::copy_n(&set.inputs.values[static_cast<size_t>(rows[static_cast<size_t>(r)] * J * 2)], J * 2,
                &inputs.values[static_cast<size_t>(r * J * 2)]);
  const ArrayF predicted = predict_poses(*c.model, inputs, device);

  const Camera& cam = data.mocap().rig(f.subject)[static_cast<size_t>(f.camera)];
  Sequence s;
  s.title = fmt::format("{} {} camera {}", f.subject, f.action, f.camera);
  s.width = cam.width;
  s.height = cam.height;
  s.joints = static_cast<int>(J);
  s.camera_to_world = cam.R.transpose();
  s.azimuth = kCameraAzimuths[static_cast<size_t>(f.camera)];
  for (int64_t r = 0; r < n; ++r) {
    s.keypoints.push_back(pose2(inputs, r, true, s.width, s.height));
    s.predicted.push_back(pose3(predicted, r, true));
    s.truth.push_back(pose3(set.targets, rows[static_cast<size_t>(r)], true));
  }
  return s;
}

Sequence from_predictions(const VizFlags& f) {
  const PredictionsFile file = read_predictions_file(f.predictions);
  const PoseSet& set = file.set;
  const std::vector<int64_t> rows = select_rows(set.info, set.subjects, set.takes, f, f.predictions);
  const Camera& cam = set.cameras[set.info[static_cast<size_t>(rows[0])].subject][static_cast<size_t>(f.camera)];
  Sequence s;
  s.title = fmt::format("{} {} camera {}", f.subject, f.action, f.camera);
  s.camera_to_world = cam.R.transpose();
  s.width = cam.width;
  s.height = cam.height;
  s.joints = set.num_joints;
  s.azimuth = kCameraAzimuths[static_cast<size_t>(f.camera)];
  // Exports may hold every N-th frame (evaluate --downsample): the source rate follows.
  if (rows.size() > 1) {
    const int64_t step = int64_t{set.info[static_cast<size_t>(rows[1])].frame} - set.info[static_cast<size_t>(rows[0])].frame;
    if (step > 0) s.fps = 50.0 / static_cast<double>(step);
  }
  for (const int64_t r : rows) {
    s.keypoints.push_back(pose2(set.inputs, r, true, s.width, s.height));
    s.predicted.push_back(pose3(file.predicted, r, true));
    s.truth.push_back(pose3(set.targets, r, true));
  }
  return s;
}

// Lifted poses of the user's own keypoints: camera frame, no ground truth; seen from behind
// the camera with y (down in the image) turned to -z.
Sequence from_poses3d(const VizFlags& f) {
  const LiftedPoses lifted = read_lifted_poses(f.poses3d);
  Sequence s;
  s.title = std::filesystem::path(f.poses3d).filename().string();
  s.joints = static_cast<int>(lifted.poses.dim(1));
  s.camera_to_world << 1, 0, 0, 0, 0, 1, 0, -1, 0;
  s.azimuth = -90.0;
  if (lifted.width > 0 && lifted.height > 0) {
    s.width = lifted.width;
    s.height = lifted.height;
  }
  if (!lifted.keypoints_2d.values.empty())
    for (int64_t r = 0; r < lifted.poses.dim(0); ++r) s.keypoints.push_back(pose2(lifted.keypoints_2d, r, false, s.width, s.height));
  for (int64_t r = 0; r < lifted.poses.dim(0); ++r) s.predicted.push_back(pose3(lifted.poses, r, true));
  return s;
}

template <class T>
std::vector<T> block_mean(const std::vector<std::vector<T>>& frames, size_t first, size_t count) {
  std::vector<T> mean = frames[first];
  for (size_t i = 1; i < count; ++i)
    for (size_t j = 0; j < mean.size(); ++j) mean[j] += frames[first + i][j];
  for (auto& v : mean) v /= static_cast<double>(count);
  return mean;
}

void average_into(RgbImage& sum_target, const std::vector<RgbImage>& frames) {
  sum_target = frames[0];
  if (frames.size() == 1) return;
  for (size_t p = 0; p < sum_target.pixels.size(); ++p) {
    int total = 0;
    for (const auto& f : frames) total += f.pixels[p];
    sum_target.pixels[p] = static_cast<uint8_t>((total + static_cast<int>(frames.size()) / 2) / static_cast<int>(frames.size()));
  }
}

void run(const VizFlags& f) {
  setup_threads(f.threads);
  const int sources = !f.checkpoint.empty() + !f.predictions.empty() + !f.poses3d.empty();
  if (sources != 1) fail("viz", "give exactly one of CKPT, --predictions FILE or --poses3d FILE");
  if (f.camera < 0 || f.camera > 3) fail("--camera", "must be 0, 1, 2 or 3");
  if (f.downsample < 1) fail("--downsample", "must be 1 or more");
  if (!(f.size > 0.5 && f.size <= 20)) fail("--size", "must be between 0.5 and 20");
  if (f.bitrate <= 0) fail("--bitrate", "must be positive (kbit/s)");
  if (f.cmd->count("--fps") && !(std::isfinite(f.fps) && f.fps > 0 && f.fps <= 1000))
    fail("--fps", "must be a frame rate above 0 and at most 1000");
  if (f.limit < 0) fail("--limit", "must be 0 (every frame) or more");
  const std::string ext = std::filesystem::path(f.output).extension().string();
  check_output_paths({{"the checkpoint", f.checkpoint}, {"--predictions", f.predictions}, {"--poses3d", f.poses3d},
                      {"--video", f.video}, {"--data", f.data}},
                     {{"--output", f.output, ext != ".gif" && ext != ".mp4"}});

  Sequence s = !f.checkpoint.empty() ? from_checkpoint(f) : !f.predictions.empty() ? from_predictions(f) : from_poses3d(f);
  if (f.no_ground_truth) s.truth.clear();
  const size_t available = s.predicted.size();
  const size_t used = f.limit > 0 ? std::min(available, static_cast<size_t>(f.limit)) : available;
  const size_t step = static_cast<size_t>(f.downsample);
  const size_t frames = used / step;
  if (frames == 0) fail("--downsample", fmt::format("{} is more than the {} frames to show", f.downsample, used));

  std::unique_ptr<VideoReader> video;
  if (!f.video.empty()) video = std::make_unique<VideoReader>(f.video);
  const Skeleton& skeleton = h36m_skeleton_for(s.joints, "viz");
  const FigureRenderer renderer(skeleton, static_cast<int>(std::lround(f.size * 100)), View3d{s.azimuth, 15.0, 1.7});
  VideoOptions vo;
  vo.fps = f.fps > 0 ? f.fps : s.fps / static_cast<double>(step);
  vo.bitrate_kbps = f.bitrate;
  std::unique_ptr<FrameWriter> writer;

  ProgressBar bar("render", static_cast<int64_t>(frames), "frames");
  std::vector<RgbImage> video_block(step);
  RgbImage background;
  double error_sum = 0.0;
  int width = 0, height = 0;
  for (size_t out = 0; out < frames; ++out) {
    const size_t first = out * step;
    FigureFrame frame;
    frame.image_width = s.width;
    frame.image_height = s.height;
    if (!s.keypoints.empty()) frame.keypoints_2d = block_mean(s.keypoints, first, step);
    if (video) {
      for (auto& image : video_block)
        if (!video->read(image)) fail(f.video, fmt::format("ends before frame {} of the take", first + step));
      average_into(background, video_block);
      frame.background = &background;
    }
    auto to_world = [&](std::vector<Eigen::Vector3d> p) {
      for (auto& q : p) q = s.camera_to_world * q;
      return p;
    };
    const std::vector<Eigen::Vector3d> predicted = block_mean(s.predicted, first, step);
    frame.poses_3d.emplace_back("Prediction", to_world(predicted));
    std::string caption = fmt::format("{}  frame {}", s.title, first);
    if (!s.truth.empty()) {
      const std::vector<Eigen::Vector3d> truth = block_mean(s.truth, first, step);
      frame.poses_3d.emplace_back("Ground truth", to_world(truth));
      const double e = 1000.0 * mpjpe(predicted, truth);
      error_sum += e;
      caption += fmt::format("   MPJPE {:.1f} mm", e);
    }
    frame.caption = caption;
    const RgbImage image = renderer.render(frame);
    if (!writer) {
      width = image.width;
      height = image.height;
      writer = open_frame_writer(f.output, width, height, vo);
    }
    writer->write(image);
    bar.advance();
  }
  writer->finish();
  bar.finish();
  fmt::print("{}: {} frames of {}x{} at {:.3g} fps", f.output, frames, width, height, vo.fps);
  if (!s.truth.empty()) fmt::print("; mean MPJPE of the frames shown {:.1f} mm", error_sum / static_cast<double>(frames));
  fmt::print("\n");
}

}  // namespace

void register_viz(CLI::App& app) {
  auto f = std::make_shared<VizFlags>();
  CLI::App* cmd = app.add_subcommand("viz", "Render the 2D input, 3D prediction and ground truth of a take to GIF, MP4 or PNG frames");
  f->cmd = cmd;
  cmd->add_option("checkpoint", f->checkpoint, "A checkpoint to run on the take (needs the data)");
  cmd->add_option("--data", f->data, "The Human3.6M archive or prepared folder (default: the checkpoint's)");
  cmd->add_option("--predictions", f->predictions, "Predictions written by `hoif evaluate --export` instead of a checkpoint");
  cmd->add_option("--poses3d", f->poses3d, "3D poses (npz with poses_3d, optional keypoints_2d and image_size), e.g. from lifting your own keypoints");
  cmd->add_option("--subject", f->subject, "Subject")->capture_default_str();
  cmd->add_option("--action", f->action, "Take name, e.g. Walking or 'Walking 1'")->capture_default_str();
  cmd->add_option("--camera", f->camera, "Camera 0-3")->capture_default_str();
  cmd->add_option("--output", f->output, "out.gif, out.mp4, or a folder for PNG frames")->required();
  cmd->add_option("--size", f->size, "Panel size (viz.py's inches at 100 px)")->capture_default_str();
  cmd->add_option("--downsample", f->downsample, "Average every N frames (fps / N)")->capture_default_str();
  cmd->add_option("--limit", f->limit, "Only the first N frames (0: all)")->capture_default_str();
  cmd->add_option("--fps", f->fps, "Output frame rate (default: 50 / downsample)");
  cmd->add_option("--bitrate", f->bitrate, "MP4 bitrate, kbit/s")->capture_default_str();
  cmd->add_option("--video", f->video, "The take's video, drawn behind the 2D input");
  cmd->add_flag("--no-ground-truth", f->no_ground_truth, "Leave the ground-truth panel out");
  cmd->add_option("--threads", f->threads, "CPU threads (0: every core)")->capture_default_str();
  cmd->add_option("--device", f->device, "cpu, cuda, cuda:N")->capture_default_str();
  cmd->callback([f] { run(*f); });
}

}  // namespace hoif::cli
