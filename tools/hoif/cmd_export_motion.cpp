// hoif export-motion: poses already lifted (`hoif lift --output poses.npz`) as a BVH animation.
#include <algorithm>
#include <filesystem>
#include <numeric>

#include <fmt/format.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/inference/motion_export.h"
#include "hoif/io/npz.h"

namespace hoif::cli {

namespace {

struct ExportMotionFlags {
  std::string poses, output;
  int person = 0;
  MotionExportOptions options;
};

// Rows [rows] of an (N, J, D) array.
ArrayF take_rows(const ArrayF& a, const std::vector<int64_t>& rows) {
  std::vector<int64_t> shape = a.shape;
  shape[0] = static_cast<int64_t>(rows.size());
  ArrayF out(shape);
  const int64_t row = a.size() / std::max<int64_t>(1, a.dim(0));
  for (size_t i = 0; i < rows.size(); ++i)
    std::copy_n(a.values.begin() + rows[i] * row, row, out.values.begin() + static_cast<int64_t>(i) * row);
  return out;
}

void run(const ExportMotionFlags& f) {
  if (!is_motion_file(f.output)) fail("--output", "'" + f.output + "': name it .bvh or .glb");
  check_output_paths({{"the poses", f.poses}}, {{"--output", f.output}});
  const NpzReader npz(f.poses);
  if (!npz.has("poses_3d")) fail(f.poses, "has no 'poses_3d' (N, J, 3): give a file `hoif lift` wrote");
  const ArrayF poses = npz.array("poses_3d").to_float(f.poses + ":poses_3d");
  if (poses.ndim() != 3 || poses.dim(2) != 3) fail(f.poses, "poses_3d must be (N, J, 3)");
  const int64_t N = poses.dim(0);
  // One person's rows, in frame order.
  std::vector<int64_t> person(static_cast<size_t>(N), 0), frame(static_cast<size_t>(N));
  std::iota(frame.begin(), frame.end(), 0);
  if (npz.has("person")) person = npz.array("person").to_int64(f.poses + ":person");
  if (npz.has("frame")) frame = npz.array("frame").to_int64(f.poses + ":frame");
  if (static_cast<int64_t>(person.size()) != N || static_cast<int64_t>(frame.size()) != N)
    fail(f.poses, "person and frame must have one entry per pose");
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < N; ++r)
    if (person[static_cast<size_t>(r)] == f.person) rows.push_back(r);
  if (rows.empty()) fail("--person", fmt::format("{} has no poses in {}", f.person, f.poses));
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return frame[static_cast<size_t>(a)] < frame[static_cast<size_t>(b)]; });
  ArrayF keypoints;
  int width = 0, height = 0;
  if (f.options.root_path) {
    if (!npz.has("keypoints_2d") || !npz.has("image_size"))
      fail(f.poses, "--root-path needs the 2D keypoints and image size the poses were lifted from (keypoints_2d, image_size)");
    keypoints = take_rows(npz.array("keypoints_2d").to_float(f.poses + ":keypoints_2d"), rows);
    const auto size = npz.array("image_size").to_int64(f.poses + ":image_size");
    if (size.size() != 2) fail(f.poses, "image_size must be (width, height)");
    width = static_cast<int>(size[0]);
    height = static_cast<int>(size[1]);
  }
  const int frames = export_motion(f.output, take_rows(poses, rows), keypoints, width, height, f.options);
  fmt::print("{}: {} frames at {:g} fps, {} joints, Y up, centimetres{}\n", f.output, frames, f.options.fps, poses.dim(1),
             f.options.root_path ? ", the Hip moving along the estimated root path" : ", the Hip at the origin");
}

}  // namespace

void register_export_motion(CLI::App& app) {
  auto f = std::make_shared<ExportMotionFlags>();
  CLI::App* cmd = app.add_subcommand("export-motion", "Write lifted poses as an animation: BVH or glTF (Blender, Unity, Maya, three.js)");
  cmd->add_option("poses", f->poses, "Lifted poses: the npz `hoif lift` writes")->required();
  cmd->add_option("--output", f->output, "The .bvh or .glb to write")->required();
  cmd->add_option("--fps", f->options.fps, "Frame rate of the animation")->capture_default_str();
  cmd->add_option("--person", f->person, "Which person of the file (hoif lift's person index)")->capture_default_str();
  cmd->add_flag("--root-path", f->options.root_path,
                "Move the Hip through the scene along a path estimated from the 2D keypoints (weak perspective)");
  cmd->add_option("--focal", f->options.focal_px, "With --root-path: the camera's focal length in pixels (default: from --fov)");
  cmd->add_option("--fov", f->options.fov_degrees, "With --root-path: the horizontal field of view, degrees")->capture_default_str();
  cmd->callback([f] { run(*f); });
}

}  // namespace hoif::cli
