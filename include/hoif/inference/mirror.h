#pragma once
// Left-right mirroring of poses, for flip augmentation in training and flip test-time averaging
// (as VideoPose3D does): x -> -x (width-normalised screen coordinates mirror about the image
// centre; camera-frame 3D about the camera's y-z plane) and every left joint swapped with its
// right counterpart. Mirroring twice gives the pose back.
#include <vector>

#include <torch/types.h>

#include "hoif/geometry/skeleton.h"

namespace hoif {

// mirror[j]: the joint whose mirror image lands on joint j.
std::vector<int64_t> mirror_joint_order(const Skeleton& skeleton);

// (B, J, D) with D = 2 (screen) or 3 (camera frame): the mirrored poses.
torch::Tensor mirror_poses(const torch::Tensor& poses, const Skeleton& skeleton);

}  // namespace hoif
