#pragma once
// Bone-length augmentation: training poses with longer or shorter bones, so that a model sees
// body proportions beyond those of its five training subjects. Each bone (a joint and its
// parent) is scaled and the pose rebuilt from the root outwards, keeping every bone's direction.
// The 2D input follows the 3D pose: each keypoint moves by the change in its joint's projection
// through the pose's camera, which reproduces the projection exactly for GT keypoints and keeps
// a detector's error for detected ones.
#include <torch/types.h>

#include "hoif/data/dataset.h"
#include "hoif/geometry/skeleton.h"

namespace hoif {

// (B, J, 3) root-relative poses with bone j (joint j to its parent) scaled by factors[b][j];
// (B, J) factors, the root's unused.
torch::Tensor scale_bones(const torch::Tensor& poses, const torch::Tensor& factors, const Skeleton& skeleton);

// The (B, J, 2) width-normalised keypoints `inputs` of the poses rows[0..B) of `set` after their
// 3D poses changed from `before` to `after` (both (B, J, 3), root-relative, camera frame): each
// keypoint moves by the change in its joint's projection, the root placed at set.roots[row].
torch::Tensor reproject_keypoints(const torch::Tensor& inputs, const torch::Tensor& before, const torch::Tensor& after,
                                  const PoseSet& set, const torch::Tensor& rows);

}  // namespace hoif
