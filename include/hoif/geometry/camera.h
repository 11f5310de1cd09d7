#pragma once
// Human3.6M camera model: extrinsics (rotation + centre), pinhole intrinsics and the
// 3d-pose-baseline distortion model (3 radial, 2 tangential coefficients).
#include <array>
#include <string>

#include <Eigen/Core>

#include "hoif/core/array.h"
#include "hoif/geometry/quaternion.h"

namespace hoif {

struct Camera {
  std::string id;             // e.g. "54138969"
  int width = 0, height = 0;  // image size in pixels
  int azimuth = 0;            // viewing azimuth used by the visualisation (degrees)
  Eigen::Matrix3d R = Eigen::Matrix3d::Identity();  // world -> camera rotation
  Eigen::Vector3d T = Eigen::Vector3d::Zero();      // camera centre in world metres
  Eigen::Vector2d f = Eigen::Vector2d::Ones();      // focal length, pixels
  Eigen::Vector2d c = Eigen::Vector2d::Zero();      // principal point, pixels
  Eigen::Vector3d k = Eigen::Vector3d::Zero();      // radial distortion
  Eigen::Vector2d p = Eigen::Vector2d::Zero();      // tangential distortion, archive order

  // VideoPose3D's 'orientation': the camera-to-world rotation as a quaternion.
  Quaternion orientation() const { return quaternion_from_rotation(R.transpose()); }
};

// The four Human3.6M cameras in the order of the archive and of VideoPose3D's lists.
constexpr std::array<const char*, 4> kH36mCameraIds = {"54138969", "55011271", "58860488", "60457274"};
// Resolution and visualisation azimuth, which the archive's cameras.h5 does not hold.
void set_h36m_camera_constants(Camera& camera, int camera_index);

Eigen::Vector3d world_to_camera(const Camera& cam, const Eigen::Vector3d& x_world);
Eigen::Vector3d camera_to_world(const Camera& cam, const Eigen::Vector3d& x_camera);

// Projects a camera-frame point to pixels with radial and tangential distortion, as
// 3d-pose-baseline's project_point_radial: with (x, y) = (X/Z, Y/Z) and r2 = x^2 + y^2,
//   d = 1 + k1 r2 + k2 r2^2 + k3 r2^3 + p1 y + p2 x,
//   (x', y') = (x d + p2 r2, y d + p1 r2),   pixel = f * (x', y') + c.
// (VideoPose3D writes the same model with the two tangential coefficients swapped.)
Eigen::Vector2d project_to_pixels(const Camera& cam, const Eigen::Vector3d& x_camera);

// Width-normalised screen coordinates: x -> x / w * 2 - 1, y -> y / w * 2 - h / w.
Eigen::Vector2d normalize_screen(const Eigen::Vector2d& pixel, int width, int height);
Eigen::Vector2d unnormalize_screen(const Eigen::Vector2d& normalized, int width, int height);

// Batched forms over (N, J, 3) world or camera poses.
ArrayF poses_world_to_camera(const Camera& cam, const ArrayF& world);
ArrayF poses_camera_to_pixels(const Camera& cam, const ArrayF& camera_frame);
// normalize_screen in float, in place on `points` (x, y) pairs: what the training data holds.
void normalize_screen_inplace(float* xy, int64_t points, int width, int height);

}  // namespace hoif
