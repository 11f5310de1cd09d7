#pragma once
// Unit quaternions (w, x, y, z) and rotation matrices. VideoPose3D stores camera orientation as
// the quaternion of the camera-to-world rotation; the archive stores the world-to-camera matrix.
#include <Eigen/Core>

namespace hoif {

using Quaternion = Eigen::Vector4d;  // (w, x, y, z)

Eigen::Matrix3d rotation_from_quaternion(const Quaternion& q);
// Returns the quaternion with w >= 0 (q and -q are the same rotation).
Quaternion quaternion_from_rotation(const Eigen::Matrix3d& r);
// Rotates v by q: q v q*.
Eigen::Vector3d quaternion_rotate(const Quaternion& q, const Eigen::Vector3d& v);
Quaternion quaternion_inverse(const Quaternion& q);

}  // namespace hoif
