#include "hoif/geometry/quaternion.h"

#include <Eigen/Geometry>

namespace hoif {

Eigen::Matrix3d rotation_from_quaternion(const Quaternion& q) {
  return Eigen::Quaterniond(q[0], q[1], q[2], q[3]).normalized().toRotationMatrix();
}

Quaternion quaternion_from_rotation(const Eigen::Matrix3d& r) {
  Eigen::Quaterniond q(r);
  q.normalize();
  Quaternion out(q.w(), q.x(), q.y(), q.z());
  return out[0] < 0 ? Quaternion(-out) : out;
}

Eigen::Vector3d quaternion_rotate(const Quaternion& q, const Eigen::Vector3d& v) {
  const Eigen::Vector3d u(q[1], q[2], q[3]);
  const Eigen::Vector3d uv = u.cross(v);
  return v + 2.0 * (q[0] * uv + u.cross(uv));
}

Quaternion quaternion_inverse(const Quaternion& q) { return Quaternion(q[0], -q[1], -q[2], -q[3]); }

}  // namespace hoif
