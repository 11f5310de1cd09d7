#pragma once
// Lifted poses into animation tools: one person's poses as a skeleton animation, BVH (io/bvh.h) or
// glTF binary (io/gltf.h), chosen by the file's extension (geometry/motion.h), optionally walking
// through the scene along a root path estimated from the 2D keypoints they were lifted from.
#include <string>

#include "hoif/core/array.h"

namespace hoif {

struct MotionExportOptions {
  double fps = 50;
  bool root_path = false;       // move the Hip through the scene instead of holding it at the origin
  double focal_px = 0;          // the camera's focal length in pixels; 0: from fov_degrees
  double fov_degrees = 60;      // the horizontal field of view assumed when no focal length is given
};

// poses: (N, J, 3) root-relative camera-frame metres; keypoints_2d: (N, J, 2) pixels of a
// width x height image (needed for the root path only). Returns how many frames were written.
// Whether `path` names an animation file hoif writes (.bvh, .glb).
bool is_motion_file(const std::string& path);
int export_motion(const std::string& path, const ArrayF& poses, const ArrayF& keypoints_2d, int width, int height,
               const MotionExportOptions& options);

}  // namespace hoif
