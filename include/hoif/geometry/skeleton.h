#pragma once
// Joint sets of Human3.6M: the 32 mocap joints, the 17-joint set of VideoPose3D (CPN input) and
// the 16-joint set of SemGCN, HGCN and HOIF-Net (GT and Stacked Hourglass input), which is the
// 17-joint set without Neck/Nose. Also the MPII order of Stacked Hourglass detections.
#include <string>
#include <vector>

#include "hoif/core/array.h"

namespace hoif {

struct Skeleton {
  std::string layout;                      // "h36m17" or "h36m16"
  std::vector<std::string> names;
  std::vector<int> parents;                // -1 for the root
  std::vector<int> joints_left, joints_right;
  // SemGCN's non-local grouping: neighbouring joints listed together; flattening the groups
  // gives the permutation applied before a non-local block.
  std::vector<std::vector<int>> nonlocal_groups;

  int num_joints() const { return static_cast<int>(names.size()); }
  // Undirected bone list (child, parent).
  std::vector<std::pair<int, int>> edges() const;
  // Flattened non-local permutation.
  std::vector<int> nonlocal_order() const;
  int index_of(const std::string& name) const;  // -1 if absent
};

const Skeleton& h36m_skeleton17();
const Skeleton& h36m_skeleton16();
// The skeleton for a joint count (16 or 17); any other count is an error naming `where`.
const Skeleton& h36m_skeleton_for(int num_joints, const std::string& where);

// Indices into the 32 mocap joints of the 17-joint set.
const std::vector<int>& h36m32_to_17();
// Indices into the 17-joint set of the 16-joint set (drops Neck/Nose, index 9).
const std::vector<int>& h36m17_to_16();
// Indices into the 32 mocap joints of the 16-joint set.
const std::vector<int>& h36m32_to_16();
// Names of the Stacked Hourglass (MPII) joints, in detector order.
const std::vector<std::string>& mpii16_names();
// Indices into the MPII order of the 16-joint H3.6M set.
const std::vector<int>& mpii_to_h36m16();

// Selects joints along axis 1 of an (N, J, D) array.
ArrayF select_joints(const ArrayF& poses, const std::vector<int>& indices);

}  // namespace hoif
