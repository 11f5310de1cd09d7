#pragma once
// Lifted joint positions as an animation on a fixed skeleton, what BVH and animation tools need:
// one length per bone for the whole clip and, per frame, each joint's rotation.
//
// The animation frame is Y-up, the way Blender's and Unity's BVH importers read it: hoif's camera
// frame (x right, y down, z forward, metres) maps to (x, -y, -z), so a person facing the camera
// faces +Z. The rest pose is a T-pose: legs and spine along -Y/+Y, hips, shoulders and arms along
// +X (left) and -X (right).
//
// A joint's rotation turns the rest pose's bone to its first child onto the lifted bone; the twist
// about the bone is fixed by a neighbouring direction (the hip line for the legs and the spine, the
// torso's up for the arms, the shoulder line for the neck), so limbs do not spin. Joints with
// several children (Hip, Thorax) move them rigidly, as a mocap pelvis and chest do: those children
// land where the rigid rest geometry puts them, which differs from the lifted pose by how far its
// hips or shoulders bend relative to the spine.
#include <string>
#include <vector>

#include <Eigen/Core>

#include "hoif/core/array.h"
#include "hoif/geometry/skeleton.h"

namespace hoif {

struct MotionSkeleton {
  std::vector<std::string> names;
  std::vector<int> parents;              // -1 for the root; parents come before children
  std::vector<Eigen::Vector3d> offsets;  // rest-pose vector from the parent (root: zero), metres
};

struct Motion {
  MotionSkeleton skeleton;
  double fps = 50;
  std::vector<Eigen::Vector3d> root_positions;            // per frame, metres
  std::vector<std::vector<Eigen::Matrix3d>> rotations;    // per frame and joint, relative to the parent
  int frames() const { return static_cast<int>(rotations.size()); }
};

// hoif's camera frame to the animation frame: (x, y, z) -> (x, -y, -z).
Eigen::Vector3d animation_from_camera(const Eigen::Vector3d& p);

// Each bone's length over the clip: the median over frames, a left bone and its right twin given
// their mean. `poses` is (N, J, 3).
std::vector<double> clip_bone_lengths(const ArrayF& poses, const Skeleton& skeleton);

// poses: (N, J, 3) root-relative, hoif's camera frame, metres (what `hoif lift` writes).
// root_path: empty (the Hip stays at the origin) or N camera-frame positions of the Hip.
Motion motion_from_poses(const ArrayF& poses, const Skeleton& skeleton, double fps,
                         const std::vector<Eigen::Vector3d>& root_path = {});

// The joints' positions in the animation frame, per frame (forward kinematics).
std::vector<std::vector<Eigen::Vector3d>> joint_positions(const Motion& motion);

// Where the Hip is in the camera frame, from the 2D keypoints (pixels) and the root-relative lifted
// pose: under weak perspective the 2D skeleton is the 3D one scaled by focal / depth, so the
// least-squares scale between the two gives the depth, and the Hip's pixel the rest; then smoothed
// over time (a centred median of `window` frames). Assumes the lifted pose has a real person's size.
std::vector<Eigen::Vector3d> estimate_root_path(const ArrayF& poses, const ArrayF& keypoints_2d, int width, int height,
                                                double focal_px, int window = 9);

// Euler angles (radians) of R = Rz(z) Rx(x) Ry(y), BVH's "Zrotation Xrotation Yrotation", chosen of
// the two solutions and their 2 pi turns to be nearest `previous` (continuity across frames).
Eigen::Vector3d euler_zxy(const Eigen::Matrix3d& r, const Eigen::Vector3d& previous = Eigen::Vector3d::Zero());
Eigen::Matrix3d rotation_from_euler_zxy(const Eigen::Vector3d& zxy);

}  // namespace hoif
