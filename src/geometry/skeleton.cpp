#include "hoif/geometry/skeleton.h"

#include <algorithm>

#include "hoif/core/error.h"

namespace hoif {

std::vector<std::pair<int, int>> Skeleton::edges() const {
  std::vector<std::pair<int, int>> out;
  for (int j = 0; j < num_joints(); ++j)
    if (parents[j] >= 0) out.emplace_back(j, parents[j]);
  return out;
}

std::vector<int> Skeleton::nonlocal_order() const {
  std::vector<int> order;
  for (const auto& group : nonlocal_groups) order.insert(order.end(), group.begin(), group.end());
  return order;
}

int Skeleton::index_of(const std::string& name) const {
  auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

const Skeleton& h36m_skeleton17() {
  static const Skeleton s{
      "h36m17",
      {"Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine", "Thorax", "Neck/Nose", "Head",
       "LShoulder", "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist"},
      {-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15},
      {4, 5, 6, 11, 12, 13},
      {1, 2, 3, 14, 15, 16},
      {{2, 3}, {5, 6}, {1, 4}, {0, 7}, {8, 9}, {15, 16}, {12, 13}, {11, 14}, {10}}};
  return s;
}

const Skeleton& h36m_skeleton16() {
  static const Skeleton s{
      "h36m16",
      {"Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine", "Thorax", "Head", "LShoulder",
       "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist"},
      {-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 8, 10, 11, 8, 13, 14},
      {4, 5, 6, 10, 11, 12},
      {1, 2, 3, 13, 14, 15},
      {{2, 3}, {5, 6}, {1, 4}, {0, 7}, {8, 9}, {14, 15}, {11, 12}, {10, 13}}};
  return s;
}

const Skeleton& h36m_skeleton_for(int num_joints, const std::string& where) {
  if (num_joints == 17) return h36m_skeleton17();
  if (num_joints == 16) return h36m_skeleton16();
  fail(where, "has " + std::to_string(num_joints) +
                  " joints; Human3.6M layouts have 16 (GT, Stacked Hourglass) or 17 (CPN, VideoPose3D)");
}

const std::vector<int>& h36m32_to_17() {
  static const std::vector<int> idx = {0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27};
  return idx;
}

const std::vector<int>& h36m17_to_16() {
  static const std::vector<int> idx = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16};
  return idx;
}

const std::vector<int>& h36m32_to_16() {
  static const std::vector<int> idx = [] {
    std::vector<int> out;
    for (int i : h36m17_to_16()) out.push_back(h36m32_to_17()[i]);
    return out;
  }();
  return idx;
}

const std::vector<std::string>& mpii16_names() {
  static const std::vector<std::string> names = {"RFoot",  "RKnee",  "RHip",      "LHip",      "LKnee",  "LFoot",
                                                 "Hip",    "Spine",  "Thorax",    "Head",      "RWrist", "RElbow",
                                                 "RShoulder", "LShoulder", "LElbow", "LWrist"};
  return names;
}

const std::vector<int>& mpii_to_h36m16() {
  // Derived from the names so that the order cannot drift from the two name lists.
  static const std::vector<int> idx = [] {
    std::vector<int> out;
    const auto& mpii = mpii16_names();
    for (const auto& name : h36m_skeleton16().names)
      out.push_back(static_cast<int>(std::find(mpii.begin(), mpii.end(), name) - mpii.begin()));
    return out;
  }();
  return idx;
}

ArrayF select_joints(const ArrayF& poses, const std::vector<int>& indices) {
  if (poses.ndim() != 3) fail("select_joints", "expected an (N, J, D) array");
  const int64_t n = poses.dim(0), j_in = poses.dim(1), d = poses.dim(2);
  for (int i : indices)
    if (i < 0 || i >= j_in) fail("select_joints", "joint index out of range");
  const int64_t j_out = static_cast<int64_t>(indices.size());
  ArrayF out({n, j_out, d});
  for (int64_t f = 0; f < n; ++f)
    for (int64_t j = 0; j < j_out; ++j)
      std::copy_n(poses.data() + (f * j_in + indices[j]) * d, d, out.data() + (f * j_out + j) * d);
  return out;
}

}  // namespace hoif
