#pragma once
// Pose errors on (N, J, 3) arrays, per frame, in the arrays' units. Summed in double.
#include <vector>

#include <Eigen/Core>

#include "hoif/core/array.h"

namespace hoif {

// Mean Euclidean joint distance of each frame.
std::vector<double> mpjpe_per_frame(const ArrayF& predicted, const ArrayF& target);
// The same for one frame's joints.
double mpjpe(const std::vector<Eigen::Vector3d>& predicted, const std::vector<Eigen::Vector3d>& target);
// After a per-frame similarity Procrustes alignment of predicted onto target (rotation with the
// reflection removed, isotropic scale, translation): Protocol 2.
std::vector<double> p_mpjpe_per_frame(const ArrayF& predicted, const ArrayF& target);
// After scaling predicted by the least-squares factor onto target (N-MPJPE); `scales`, if
// given, receives that factor per frame (above 1 when the prediction is too small).
std::vector<double> n_mpjpe_per_frame(const ArrayF& predicted, const ArrayF& target,
                                      std::vector<double>* scales = nullptr);

// Subtracts joint 0 from every joint of each frame (Protocol 1 centres the prediction on its root).
ArrayF root_relative(const ArrayF& poses);
// Mean position error of each joint over all frames (metres), (N, J, 3) inputs.
std::vector<double> mpjpe_per_joint(const ArrayF& predicted, const ArrayF& target);

double mean(const std::vector<double>& v);

}  // namespace hoif
