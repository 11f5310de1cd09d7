#include "hoif/data/keypoints.h"

#include "hoif/core/error.h"
#include "hoif/data/h36m.h"
#include "hoif/geometry/skeleton.h"

namespace hoif {

Keypoints2D project_ground_truth(const Mocap& mocap, int num_joints) {
  const Skeleton& skeleton = h36m_skeleton_for(num_joints, "ground-truth keypoints");
  const std::vector<int>& joints = num_joints == 17 ? h36m32_to_17() : h36m32_to_16();
  Keypoints2D k;
  k.layout_name = num_joints == 17 ? "h36m" : "h36m16";
  k.num_joints = num_joints;
  k.joints_left = skeleton.joints_left;
  k.joints_right = skeleton.joints_right;
  for (const auto& [subject, takes] : mocap.positions) {
    const CameraRig& rig = mocap.rig(subject);
    for (const auto& [take, world] : takes) {
      const ArrayF selected = select_joints(world, joints);
      auto& per_camera = k.positions[subject][take];
      for (const Camera& cam : rig) per_camera.push_back(poses_camera_to_pixels(cam, poses_world_to_camera(cam, selected)));
    }
  }
  return k;
}

Keypoints2D archive_detections(const H36mArchive& archive) {
  Keypoints2D k;
  k.layout_name = "h36m16";
  k.num_joints = 16;
  k.joints_left = h36m_skeleton16().joints_left;
  k.joints_right = h36m_skeleton16().joints_right;
  for (const auto& subject : archive.subjects())
    for (const auto& take : h36m_takes(subject)) {
      if (is_excluded_take(subject, take)) continue;
      std::vector<ArrayF> per_camera(4);
      bool any = false;
      for (int c = 0; c < 4; ++c)
        if (archive.has_detections(subject, take, c)) {
          per_camera[static_cast<size_t>(c)] = select_joints(archive.detections(subject, take, c), mpii_to_h36m16());
          any = true;
        }
      if (any) k.positions[subject][take] = std::move(per_camera);
    }
  return k;
}

}  // namespace hoif
