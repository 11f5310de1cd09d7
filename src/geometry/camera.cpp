#include "hoif/geometry/camera.h"

#include "hoif/core/error.h"

namespace hoif {

void set_h36m_camera_constants(Camera& camera, int camera_index) {
  static constexpr std::array<std::array<int, 3>, 4> constants = {{
      {1000, 1002, 70}, {1000, 1000, -70}, {1000, 1000, 110}, {1000, 1002, -110}}};
  if (camera_index < 0 || camera_index > 3) fail("camera", "index must be 0..3");
  camera.width = constants[camera_index][0];
  camera.height = constants[camera_index][1];
  camera.azimuth = constants[camera_index][2];
  if (camera.id.empty()) camera.id = kH36mCameraIds[camera_index];
}

Eigen::Vector3d world_to_camera(const Camera& cam, const Eigen::Vector3d& x_world) {
  return cam.R * (x_world - cam.T);
}

Eigen::Vector3d camera_to_world(const Camera& cam, const Eigen::Vector3d& x_camera) {
  return cam.R.transpose() * x_camera + cam.T;
}

Eigen::Vector2d project_to_pixels(const Camera& cam, const Eigen::Vector3d& x) {
  const double u = x[0] / x[2], v = x[1] / x[2];
  const double r2 = u * u + v * v;
  const double radial = 1.0 + cam.k[0] * r2 + cam.k[1] * r2 * r2 + cam.k[2] * r2 * r2 * r2;
  const double d = radial + cam.p[0] * v + cam.p[1] * u;
  const double ud = u * d + cam.p[1] * r2, vd = v * d + cam.p[0] * r2;
  return {cam.f[0] * ud + cam.c[0], cam.f[1] * vd + cam.c[1]};
}

Eigen::Vector2d normalize_screen(const Eigen::Vector2d& px, int width, int height) {
  return {px[0] / width * 2.0 - 1.0, px[1] / width * 2.0 - double(height) / width};
}

Eigen::Vector2d unnormalize_screen(const Eigen::Vector2d& n, int width, int height) {
  return {(n[0] + 1.0) * width / 2.0, (n[1] + double(height) / width) * width / 2.0};
}

static void check_last_dim(const ArrayF& a, int64_t d, const char* what) {
  if (a.ndim() != 3 || a.dim(2) != d) fail(what, "expected an (N, J, " + std::to_string(d) + ") array");
}

ArrayF poses_world_to_camera(const Camera& cam, const ArrayF& world) {
  check_last_dim(world, 3, "world_to_camera");
  ArrayF out(world.shape);
  for (int64_t i = 0; i < world.size(); i += 3) {
    Eigen::Vector3d x = world_to_camera(cam, Eigen::Vector3d(world.values[i], world.values[i + 1], world.values[i + 2]));
    for (int d = 0; d < 3; ++d) out.values[i + d] = static_cast<float>(x[d]);
  }
  return out;
}

ArrayF poses_camera_to_pixels(const Camera& cam, const ArrayF& camera_frame) {
  check_last_dim(camera_frame, 3, "project");
  ArrayF out({camera_frame.dim(0), camera_frame.dim(1), 2});
  for (int64_t i = 0, o = 0; i < camera_frame.size(); i += 3, o += 2) {
    const auto& v = camera_frame.values;
    Eigen::Vector2d px = project_to_pixels(cam, Eigen::Vector3d(v[i], v[i + 1], v[i + 2]));
    out.values[o] = static_cast<float>(px[0]);
    out.values[o + 1] = static_cast<float>(px[1]);
  }
  return out;
}

void normalize_screen_inplace(float* xy, int64_t points, int width, int height) {
  const float sx = 2.0f / static_cast<float>(width), oy = static_cast<float>(height) / static_cast<float>(width);
  for (int64_t i = 0; i < points; ++i) {
    xy[2 * i] = xy[2 * i] * sx - 1.0f;
    xy[2 * i + 1] = xy[2 * i + 1] * sx - oy;
  }
}

}  // namespace hoif
