#pragma once
// Training-time augmentation of a batch: bone-length scaling, then rotation about the vertical
// (training/pose_augment.h), with one re-projection of the 2D keypoints for both, then flip
// (inference/mirror.h). Every random draw is a hash of (seed, epoch, position in the epoch), so a
// resumed run augments exactly the poses it would have, in the same way.
#include <cstdint>

#include <torch/types.h>

#include "hoif/data/dataset.h"
#include "hoif/geometry/skeleton.h"
#include "hoif/training/recipe.h"

namespace hoif {

// Which of `count` poses from position `first` of an epoch flip augmentation mirrors, as a
// (count, 1, 1) bool tensor, each with probability 1/2.
torch::Tensor flip_augment_mask(uint64_t seed, int epoch, int64_t first, int64_t count);

// (count, J) bone-length factors for the poses from position `first` of an epoch: uniform in
// [1 - range, 1 + range], one per bone (joint j and its parent), the same for a left bone and
// its right counterpart so that a body stays symmetric.
torch::Tensor bone_length_factors(uint64_t seed, int epoch, int64_t first, int64_t count, double range,
                                  const Skeleton& skeleton);

// (count) angles in radians, uniform in [-range, range] degrees, for the poses from position
// `first` of an epoch.
torch::Tensor rotation_angles(uint64_t seed, int epoch, int64_t first, int64_t count, double range_degrees);

// Applies options.bone_augment, options.rotate_augment and options.flip_augment to the batch
// (x, y) = (inputs, targets) of `set`'s rows `rows`, which start at position `first` of epoch
// `epoch`.
void augment_batch(const TrainOptions& options, const PoseSet& set, int epoch, int64_t first, const torch::Tensor& rows,
                   torch::Tensor& x, torch::Tensor& y);

}  // namespace hoif
