#pragma once
// Augmentations that change a training pose in 3D: its bone lengths (so that a model sees body
// proportions beyond those of its five training subjects) or its orientation about the world's
// vertical through the root (so that it sees each pose facing other ways). The 2D input follows
// the 3D pose: each keypoint moves by the change in its joint's projection through the pose's
// camera, which reproduces the projection exactly for GT keypoints and keeps a detector's error
// for detected ones.
#include <torch/types.h>

#include "hoif/data/dataset.h"
#include "hoif/geometry/skeleton.h"

namespace hoif {

// (B, J, 3) root-relative poses with bone j (joint j to its parent) scaled by factors[b][j] and
// the pose rebuilt from the root outwards, every bone keeping its direction; (B, J) factors, the
// root's unused.
torch::Tensor scale_bones(const torch::Tensor& poses, const torch::Tensor& factors, const Skeleton& skeleton);

// (B, J, 3) root-relative camera-frame poses of `set`'s rows[0..B), each rotated by angles[b]
// (radians, counter-clockwise seen from above) about the world's vertical axis (z, up) through
// its root, as seen by the pose's camera.
torch::Tensor rotate_about_vertical(const torch::Tensor& poses, const torch::Tensor& angles, const PoseSet& set,
                                    const torch::Tensor& rows);

// The (B, J, 2) width-normalised keypoints `inputs` of the poses rows[0..B) of `set` after their
// 3D poses changed from `before` to `after` (both (B, J, 3), root-relative, camera frame): each
// keypoint moves by the change in its joint's projection, the root placed at set.roots[row].
torch::Tensor reproject_keypoints(const torch::Tensor& inputs, const torch::Tensor& before, const torch::Tensor& after,
                                  const PoseSet& set, const torch::Tensor& rows);

}  // namespace hoif
