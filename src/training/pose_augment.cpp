#include "hoif/training/pose_augment.h"

#include <Eigen/Geometry>
#include <torch/torch.h>

#include "hoif/core/error.h"

namespace hoif {

namespace {

void check_cameras(const PoseSet& set) {
  if (set.roots.size() != set.size() * 3 || set.cameras.size() != set.subjects.size())
    fail("--bone-augment/--rotate-augment", "the training poses carry no camera positions (build them with build_pose_set)");
}

const Camera& camera_of(const PoseSet& set, int64_t row) {
  const PoseInfo& info = set.info[static_cast<size_t>(row)];
  return set.cameras[info.subject][info.camera];
}

}  // namespace

torch::Tensor scale_bones(const torch::Tensor& poses, const torch::Tensor& factors, const Skeleton& skeleton) {
  const int64_t J = skeleton.num_joints();
  if (poses.dim() != 3 || poses.size(1) != J || poses.size(2) != 3)
    fail("scale_bones", "expects (B, J, 3) poses with the skeleton's joints");
  if (factors.dim() != 2 || factors.size(0) != poses.size(0) || factors.size(1) != J)
    fail("scale_bones", "expects (B, J) factors, one per pose and joint");
  const torch::Tensor p = poses.to(torch::kCPU, torch::kFloat).contiguous();
  const torch::Tensor f = factors.to(torch::kCPU, torch::kFloat).contiguous();
  torch::Tensor out = torch::empty_like(p);
  const float *in = p.data_ptr<float>(), *scale = f.data_ptr<float>();
  float* o = out.data_ptr<float>();
  for (int64_t b = 0; b < p.size(0); ++b, in += J * 3, o += J * 3, scale += J)
    for (int64_t j = 0; j < J; ++j) {
      const int parent = skeleton.parents[static_cast<size_t>(j)];
      if (parent >= j) fail("scale_bones", "needs every joint's parent listed before it");
      for (int d = 0; d < 3; ++d)
        o[j * 3 + d] = parent < 0 ? in[j * 3 + d]
                                  : o[parent * 3 + d] + scale[j] * (in[j * 3 + d] - in[parent * 3 + d]);
    }
  return out.to(poses.options());
}

torch::Tensor rotate_about_vertical(const torch::Tensor& poses, const torch::Tensor& angles, const PoseSet& set,
                                    const torch::Tensor& rows) {
  const int64_t B = rows.size(0), J = set.num_joints;
  check_cameras(set);
  if (poses.sizes() != torch::IntArrayRef{B, J, 3} || angles.numel() != B)
    fail("rotate_about_vertical", "expects (B, J, 3) poses and B angles for B rows");
  const torch::Tensor p = poses.to(torch::kCPU, torch::kFloat).contiguous();
  const torch::Tensor a = angles.to(torch::kCPU, torch::kDouble).contiguous();
  const torch::Tensor r = rows.to(torch::kCPU, torch::kLong).contiguous();
  torch::Tensor out = torch::empty_like(p);
  for (int64_t b = 0; b < B; ++b) {
    // The world's z axis in this camera's frame, and the rotation about it (Rodrigues).
    const Eigen::Vector3d up = camera_of(set, r.data_ptr<int64_t>()[b]).R * Eigen::Vector3d::UnitZ();
    const Eigen::Matrix3d rotation = Eigen::AngleAxisd(a.data_ptr<double>()[b], up.normalized()).toRotationMatrix();
    for (int64_t j = 0; j < J; ++j) {
      const float* in = p.data_ptr<float>() + (b * J + j) * 3;
      const Eigen::Vector3d v = rotation * Eigen::Vector3d(in[0], in[1], in[2]);
      for (int d = 0; d < 3; ++d) out.data_ptr<float>()[(b * J + j) * 3 + d] = static_cast<float>(v[d]);
    }
  }
  return out.to(poses.options());
}

torch::Tensor reproject_keypoints(const torch::Tensor& inputs, const torch::Tensor& before, const torch::Tensor& after,
                                  const PoseSet& set, const torch::Tensor& rows) {
  const int64_t B = rows.size(0), J = set.num_joints;
  check_cameras(set);
  if (inputs.sizes() != torch::IntArrayRef{B, J, 2} || before.sizes() != torch::IntArrayRef{B, J, 3} ||
      after.sizes() != before.sizes())
    fail("reproject_keypoints", "expects (B, J, 2) keypoints and (B, J, 3) poses for B rows");
  const torch::Tensor x = inputs.to(torch::kCPU, torch::kFloat).contiguous();
  const torch::Tensor y0 = before.to(torch::kCPU, torch::kFloat).contiguous();
  const torch::Tensor y1 = after.to(torch::kCPU, torch::kFloat).contiguous();
  const torch::Tensor r = rows.to(torch::kCPU, torch::kLong).contiguous();
  torch::Tensor out = x.clone();
  float* o = out.data_ptr<float>();
  for (int64_t b = 0; b < B; ++b) {
    const int64_t row = r.data_ptr<int64_t>()[b];
    const Camera& cam = camera_of(set, row);
    const float* root_xyz = set.roots.data() + row * 3;
    const Eigen::Vector3d root(root_xyz[0], root_xyz[1], root_xyz[2]);
    const double scale = 2.0 / cam.width;  // pixels -> width-normalised units
    for (int64_t j = 0; j < J; ++j) {
      const float* p0 = y0.data_ptr<float>() + (b * J + j) * 3;
      const float* p1 = y1.data_ptr<float>() + (b * J + j) * 3;
      const Eigen::Vector2d moved = project_to_pixels(cam, root + Eigen::Vector3d(p1[0], p1[1], p1[2])) -
                                    project_to_pixels(cam, root + Eigen::Vector3d(p0[0], p0[1], p0[2]));
      o[(b * J + j) * 2] += static_cast<float>(moved.x() * scale);
      o[(b * J + j) * 2 + 1] += static_cast<float>(moved.y() * scale);
    }
  }
  return out.to(inputs.options());
}

}  // namespace hoif
