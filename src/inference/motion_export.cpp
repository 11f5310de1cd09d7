#include "hoif/inference/motion_export.h"

#include <cmath>
#include <filesystem>

#include "hoif/core/error.h"
#include "hoif/geometry/motion.h"
#include "hoif/geometry/skeleton.h"
#include "hoif/io/bvh.h"
#include "hoif/io/gltf.h"

namespace hoif {

bool is_motion_file(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".bvh" || ext == ".glb";
}

int export_motion(const std::string& path, const ArrayF& poses, const ArrayF& keypoints_2d, int width, int height,
               const MotionExportOptions& o) {
  const Skeleton& skeleton = h36m_skeleton_for(static_cast<int>(poses.dim(1)), path);
  std::vector<Eigen::Vector3d> root;
  if (o.root_path) {
    if (!(o.fov_degrees > 0 && o.fov_degrees < 180)) fail("--fov", "must be between 0 and 180 degrees");
    const double focal = o.focal_px > 0 ? o.focal_px : width / 2.0 / std::tan(o.fov_degrees / 2 * M_PI / 180);
    root = estimate_root_path(poses, keypoints_2d, width, height, focal);
  }
  const Motion motion = motion_from_poses(poses, skeleton, o.fps, root);
  if (!is_motion_file(path)) fail(path, "an animation is written as .bvh or .glb");
  if (std::filesystem::path(path).extension() == ".glb")
    write_glb(path, motion);
  else
    write_bvh(path, motion);
  return motion.frames();
}

}  // namespace hoif
