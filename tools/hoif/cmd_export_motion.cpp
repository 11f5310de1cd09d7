// hoif export-motion: poses already lifted (`hoif lift --output poses.npz`) as a BVH animation.

#include <fmt/format.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/inference/motion_export.h"
#include "hoif/inference/lifted_poses.h"

namespace hoif::cli {

namespace {

struct ExportMotionFlags {
  std::string poses, output;
  int person = 0;
  MotionExportOptions options;
};

void run(const ExportMotionFlags& f) {
  if (!is_motion_file(f.output)) fail("--output", "'" + f.output + "': name it .bvh or .glb");
  check_output_paths({{"the poses", f.poses}}, {{"--output", f.output}});
  const LiftedPoses track = read_lifted_poses(f.poses).person_track(f.person, f.poses);
  if (f.options.root_path && (track.keypoints_2d.values.empty() || track.width <= 0 || track.height <= 0))
    fail(f.poses, "--root-path needs the 2D keypoints and image size the poses were lifted from (keypoints_2d, image_size)");
  const ArrayF no_keypoints;
  const int frames = export_motion(f.output, track.poses, f.options.root_path ? track.keypoints_2d : no_keypoints,
                                   track.width, track.height, f.options);
  fmt::print("{}: {} frames at {:g} fps, {} joints, Y up, centimetres{}\n", f.output, frames, f.options.fps, track.poses.dim(1),
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
