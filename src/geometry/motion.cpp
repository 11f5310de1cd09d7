#include "hoif/geometry/motion.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Geometry>
#include <fmt/format.h>

#include "hoif/core/error.h"

namespace hoif {

namespace {

using Vec = Eigen::Vector3d;
const Vec kLeft(1, 0, 0), kUp(0, 1, 0), kForward(0, 0, 1);

Vec joint(const ArrayF& poses, int64_t n, int j) {
  const int64_t J = poses.dim(1);
  const float* p = &poses.values[static_cast<size_t>((n * J + j) * 3)];
  return {p[0], p[1], p[2]};
}

// Rest direction of the bone that ends at joint j, from the T-pose described in motion.h.
Vec rest_direction(const Skeleton& s, int j) {
  const std::string& name = s.names[static_cast<size_t>(j)];
  const bool left = name[0] == 'L', right = name[0] == 'R';
  if (name.find("Hip") != std::string::npos || name.find("Shoulder") != std::string::npos ||
      name.find("Elbow") != std::string::npos || name.find("Wrist") != std::string::npos)
    return left ? kLeft : -kLeft;
  if (left || right) return -kUp;  // knees, feet
  return kUp;                      // spine, thorax, neck, head
}

std::vector<std::vector<int>> children_of(const Skeleton& s) {
  std::vector<std::vector<int>> children(static_cast<size_t>(s.num_joints()));
  for (int j = 1; j < s.num_joints(); ++j) children[static_cast<size_t>(s.parents[static_cast<size_t>(j)])].push_back(j);
  return children;
}

// The child whose bone a joint's rotation aims: the spine for the Hip, the neck or head for the
// Thorax, else the only child.
int primary_child(const Skeleton& s, const std::vector<int>& children) {
  for (int c : children)
    if (rest_direction(s, c) == kUp) return c;
  return children.front();
}

// An orthonormal frame (columns) whose first axis is along `a` and whose second lies in the
// plane of a and b.
Eigen::Matrix3d frame_of(const Vec& a, const Vec& b) {
  const Vec e1 = a.normalized();
  const Vec e2 = (b - b.dot(e1) * e1).normalized();
  Eigen::Matrix3d f;
  f << e1, e2, e1.cross(e2);
  return f;
}

struct Directions {  // one frame's reference directions, animation frame
  Vec hip_line, shoulder_line, up, forward;
};

Directions directions(const std::vector<Vec>& p, const Skeleton& s) {
  auto at = [&](const char* name) { return p[static_cast<size_t>(s.index_of(name))]; };
  Directions d;
  d.hip_line = (at("LHip") - at("RHip")).normalized();
  d.shoulder_line = (at("LShoulder") - at("RShoulder")).normalized();
  d.up = (at("Thorax") - at("Hip")).normalized();
  d.forward = d.hip_line.cross(d.up).normalized();
  return d;
}

// The twist references of the bone from joint j, each a (posed, rest) pair, tried in order until one
// is not nearly along the bone.
std::vector<std::pair<Vec, Vec>> twist_references(const Skeleton& s, int j, const Directions& d) {
  const std::string& name = s.names[static_cast<size_t>(j)];
  if (name.find("Shoulder") != std::string::npos || name.find("Elbow") != std::string::npos)
    return {{d.up, kUp}, {d.forward, kForward}};
  if (name == "Thorax" || name == "Neck/Nose") return {{d.shoulder_line, kLeft}, {d.forward, kForward}};
  return {{d.hip_line, kLeft}, {d.forward, kForward}};  // Hip, Spine, legs
}

Eigen::Matrix3d global_rotation(const Vec& bone, const Vec& rest_bone, const std::vector<std::pair<Vec, Vec>>& refs) {
  for (const auto& [posed, rest] : refs)
    if (bone.normalized().cross(posed).norm() > 0.2) return frame_of(bone, posed) * frame_of(rest_bone, rest).transpose();
  return frame_of(bone, refs.back().first) * frame_of(rest_bone, refs.back().second).transpose();
}

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

double wrap_near(double angle, double target) { return angle + 2 * M_PI * std::round((target - angle) / (2 * M_PI)); }

}  // namespace

Vec animation_from_camera(const Vec& p) { return {p.x(), -p.y(), -p.z()}; }

std::vector<double> clip_bone_lengths(const ArrayF& poses, const Skeleton& s) {
  const int64_t N = poses.dim(0);
  std::vector<double> lengths(static_cast<size_t>(s.num_joints()), 0.0);
  for (int j = 1; j < s.num_joints(); ++j) {
    std::vector<double> per_frame;
    for (int64_t n = 0; n < N; ++n) per_frame.push_back((joint(poses, n, j) - joint(poses, n, s.parents[static_cast<size_t>(j)])).norm());
    lengths[static_cast<size_t>(j)] = median(per_frame);
  }
  for (size_t k = 0; k < s.joints_left.size(); ++k) {
    double& l = lengths[static_cast<size_t>(s.joints_left[k])];
    double& r = lengths[static_cast<size_t>(s.joints_right[k])];
    l = r = (l + r) / 2;
  }
  return lengths;
}

Motion motion_from_poses(const ArrayF& poses, const Skeleton& s, double fps, const std::vector<Vec>& root_path) {
  const int J = s.num_joints();
  if (poses.ndim() != 3 || poses.dim(1) != J || poses.dim(2) != 3)
    fail("poses", fmt::format("expected (N, {}, 3) joint positions", J));
  const int64_t N = poses.dim(0);
  if (N == 0) fail("poses", "holds no frames");
  if (!all_finite(poses)) fail("poses", "hold values that are not finite");
  if (!root_path.empty() && static_cast<int64_t>(root_path.size()) != N) fail("root path", "needs one position per frame");
  if (!(fps > 0 && std::isfinite(fps))) fail("--fps", "must be a frame rate above 0");

  Motion m;
  m.fps = fps;
  m.skeleton.names = s.names;
  m.skeleton.parents = s.parents;
  const std::vector<double> lengths = clip_bone_lengths(poses, s);
  for (int j = 0; j < J; ++j)
    m.skeleton.offsets.push_back(j == 0 ? Vec::Zero() : Vec(lengths[static_cast<size_t>(j)] * rest_direction(s, j)));
  const auto children = children_of(s);
  for (int64_t n = 0; n < N; ++n) {
    std::vector<Vec> p(static_cast<size_t>(J));
    for (int j = 0; j < J; ++j) p[static_cast<size_t>(j)] = animation_from_camera(joint(poses, n, j) - joint(poses, n, 0));
    const Directions d = directions(p, s);
    std::vector<Eigen::Matrix3d> global(static_cast<size_t>(J)), local(static_cast<size_t>(J));
    for (int j = 0; j < J; ++j) {
      const int parent = s.parents[static_cast<size_t>(j)];
      const Eigen::Matrix3d& parent_global = parent < 0 ? Eigen::Matrix3d::Identity() : global[static_cast<size_t>(parent)];
      global[static_cast<size_t>(j)] = parent_global;  // a leaf, or a bone too short to aim, follows its parent
      if (!children[static_cast<size_t>(j)].empty()) {
        const int c = primary_child(s, children[static_cast<size_t>(j)]);
        const Vec bone = p[static_cast<size_t>(c)] - p[static_cast<size_t>(j)];
        if (bone.norm() > 1e-9)
          global[static_cast<size_t>(j)] = global_rotation(bone, rest_direction(s, c), twist_references(s, j, d));
      }
      local[static_cast<size_t>(j)] = parent_global.transpose() * global[static_cast<size_t>(j)];
    }
    m.rotations.push_back(std::move(local));
    m.root_positions.push_back(root_path.empty() ? Vec::Zero() : animation_from_camera(root_path[static_cast<size_t>(n)]));
  }
  return m;
}

std::vector<std::vector<Vec>> joint_positions(const Motion& m) {
  const auto& sk = m.skeleton;
  const size_t J = sk.names.size();
  std::vector<std::vector<Vec>> out;
  for (int n = 0; n < m.frames(); ++n) {
    std::vector<Vec> p(J);
    std::vector<Eigen::Matrix3d> global(J);
    for (size_t j = 0; j < J; ++j) {
      const int parent = sk.parents[j];
      const Eigen::Matrix3d& r = m.rotations[static_cast<size_t>(n)][j];
      if (parent < 0) {
        p[j] = m.root_positions[static_cast<size_t>(n)] + sk.offsets[j];
        global[j] = r;
      } else {
        p[j] = p[static_cast<size_t>(parent)] + global[static_cast<size_t>(parent)] * sk.offsets[j];
        global[j] = global[static_cast<size_t>(parent)] * r;
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Vec> estimate_root_path(const ArrayF& poses, const ArrayF& keypoints_2d, int width, int height, double focal_px,
                                    int window) {
  const int64_t N = poses.dim(0), J = poses.dim(1);
  if (keypoints_2d.ndim() != 3 || keypoints_2d.dim(0) != N || keypoints_2d.dim(1) != J || keypoints_2d.dim(2) != 2)
    fail("root path", "needs the 2D keypoints (N, J, 2) the poses were lifted from");
  if (width <= 0 || height <= 0 || !(focal_px > 0)) fail("root path", "needs the image size and a focal length");
  const double cx = width / 2.0, cy = height / 2.0;
  std::vector<double> depth(static_cast<size_t>(N)), u0(static_cast<size_t>(N)), v0(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    const float* k = &keypoints_2d.values[static_cast<size_t>(n * J * 2)];
    double uv_xy = 0, xy_xy = 0;  // least squares of (u - u0, v - v0) = scale * (X - X0, Y - Y0)
    const Vec root = joint(poses, n, 0);
    for (int64_t j = 1; j < J; ++j) {
      const Vec q = joint(poses, n, static_cast<int>(j)) - root;
      uv_xy += (k[j * 2] - k[0]) * q.x() + (k[j * 2 + 1] - k[1]) * q.y();
      xy_xy += q.x() * q.x() + q.y() * q.y();
    }
    const double scale = xy_xy > 0 ? uv_xy / xy_xy : 0;  // pixels per metre = focal / depth
    depth[static_cast<size_t>(n)] = scale > 0 ? focal_px / scale : std::numeric_limits<double>::quiet_NaN();
    u0[static_cast<size_t>(n)] = k[0];
    v0[static_cast<size_t>(n)] = k[1];
  }
  // A centred median over time: single-frame estimates jitter, and a frame whose 2D pose collapses
  // (a person seen end-on) gives no depth at all.
  auto smoothed = [&](const std::vector<double>& x) {
    std::vector<double> out(x.size());
    for (int64_t n = 0; n < N; ++n) {
      std::vector<double> around;
      for (int64_t t = std::max<int64_t>(0, n - window / 2); t <= std::min<int64_t>(N - 1, n + window / 2); ++t)
        if (std::isfinite(x[static_cast<size_t>(t)])) around.push_back(x[static_cast<size_t>(t)]);
      out[static_cast<size_t>(n)] = around.empty() ? std::numeric_limits<double>::quiet_NaN() : median(around);
    }
    return out;
  };
  const std::vector<double> z = smoothed(depth), u = smoothed(u0), v = smoothed(v0);
  std::vector<Vec> path;
  for (int64_t n = 0; n < N; ++n) {
    const double zn = z[static_cast<size_t>(n)];
    if (!std::isfinite(zn)) fail("root path", fmt::format("frame {}: the 2D pose gives no depth (no extent)", n));
    path.emplace_back((u[static_cast<size_t>(n)] - cx) * zn / focal_px, (v[static_cast<size_t>(n)] - cy) * zn / focal_px, zn);
  }
  return path;
}

Eigen::Vector3d euler_zxy(const Eigen::Matrix3d& r, const Eigen::Vector3d& previous) {
  // R = Rz Rx Ry: R(2,1) = sin x, R(0,1) = -sin z cos x, R(1,1) = cos z cos x,
  // R(2,0) = -cos x sin y, R(2,2) = cos x cos y.
  const double x = std::asin(std::clamp(r(2, 1), -1.0, 1.0));
  double z, y;
  if (std::abs(r(2, 1)) < 1 - 1e-12) {
    z = std::atan2(-r(0, 1), r(1, 1));
    y = std::atan2(-r(2, 0), r(2, 2));
  } else {  // gimbal lock: only z + y (or z - y) is defined; keep y where it was
    y = previous.z();
    const Eigen::Matrix3d rest = r * rotation_from_euler_zxy({0, 0, y}).transpose();  // = Rz Rx
    z = std::atan2(rest(1, 0), rest(0, 0));
  }
  const Eigen::Vector3d candidates[2] = {{z, x, y}, {z + M_PI, M_PI - x, y + M_PI}};
  Eigen::Vector3d best;
  double best_distance = INFINITY;
  for (Eigen::Vector3d c : candidates) {
    for (int i = 0; i < 3; ++i) c[i] = wrap_near(c[i], previous[i]);
    if (const double dist = (c - previous).squaredNorm(); dist < best_distance) {
      best_distance = dist;
      best = c;
    }
  }
  return best;
}

Eigen::Matrix3d rotation_from_euler_zxy(const Eigen::Vector3d& zxy) {
  return (Eigen::AngleAxisd(zxy[0], Vec::UnitZ()) * Eigen::AngleAxisd(zxy[1], Vec::UnitX()) *
          Eigen::AngleAxisd(zxy[2], Vec::UnitY()))
      .toRotationMatrix();
}

}  // namespace hoif
