#pragma once
// 2D keypoint layouts that detectors write, and the documented rules that turn each into the
// models' Human3.6M joints (docs/LIFTING.md lists them). Every H3.6M joint is the mean of one or
// more source joints; its confidence is the lowest of theirs.
#include <string>
#include <vector>

#include "hoif/core/array.h"

namespace hoif {

enum class KeypointLayout { h36m16, h36m17, coco17, openpose25, mpii16 };

// "h36m16", "h36m17", "coco17", "openpose25", "mpii16"; anything else is an error.
KeypointLayout parse_layout(const std::string& name);
std::string layout_name(KeypointLayout layout);
const std::vector<std::string>& layout_joint_names(KeypointLayout layout);

// The rule for each H3.6M joint of a 16- or 17-joint skeleton: the source joints it averages.
std::vector<std::vector<int>> h36m_rules(KeypointLayout layout, int target_joints);

// (N, J_layout, 3) x, y, confidence -> (N, target_joints, 3) by h36m_rules.
ArrayF map_to_h36m(const ArrayF& keypoints, KeypointLayout layout, int target_joints);

}  // namespace hoif
