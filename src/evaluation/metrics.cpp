#include "hoif/evaluation/metrics.h"

#include <Eigen/LU>
#include <Eigen/SVD>

#include <cmath>
#include <numeric>

#include "hoif/core/error.h"

namespace hoif {

namespace {

using Frame = Eigen::Matrix<double, Eigen::Dynamic, 3>;

void check_pair(const ArrayF& a, const ArrayF& b) {
  if (a.ndim() != 3 || a.dim(2) != 3 || a.shape != b.shape) fail("metrics", "predicted and target must both be (N, J, 3)");
}

Frame frame(const ArrayF& a, int64_t f) {
  const int64_t J = a.dim(1);
  Frame m(J, 3);
  for (int64_t j = 0; j < J; ++j)
    for (int d = 0; d < 3; ++d) m(j, d) = a.values[static_cast<size_t>((f * J + j) * 3 + d)];
  return m;
}

double mean_distance(const Frame& p, const Frame& t) { return (p - t).rowwise().norm().mean(); }

// Applies error(predicted frame, target frame) to every frame.
template <class Error>
std::vector<double> per_frame(const ArrayF& predicted, const ArrayF& target, Error error) {
  check_pair(predicted, target);
  std::vector<double> out(static_cast<size_t>(predicted.dim(0)));
  for (int64_t f = 0; f < predicted.dim(0); ++f) out[static_cast<size_t>(f)] = error(frame(predicted, f), frame(target, f));
  return out;
}

double procrustes_error(const Frame& p, const Frame& t) {
  const Eigen::RowVector3d mu_p = p.colwise().mean(), mu_t = t.colwise().mean();
  const Frame p0 = p.rowwise() - mu_p, t0 = t.rowwise() - mu_t;
  const double norm_p = p0.norm(), norm_t = t0.norm();
  if (norm_p == 0.0 || norm_t == 0.0) return mean_distance(p.rowwise() - mu_p + mu_t, t);
  // Orthogonal Procrustes on the unit-norm centred point sets: maximise tr(R^T H), H = P^T T.
  const Eigen::Matrix3d h = (p0 / norm_p).transpose() * (t0 / norm_t);
  Eigen::JacobiSVD<Eigen::Matrix3d> svd(h, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Eigen::Matrix3d u = svd.matrixU();
  Eigen::Matrix3d v = svd.matrixV();
  Eigen::Vector3d s = svd.singularValues();
  // A reflection is not a rotation: flip the axis of the smallest singular value.
  if ((u * v.transpose()).determinant() < 0) {
    v.col(2) *= -1.0;
    s[2] *= -1.0;
  }
  const Eigen::Matrix3d r = u * v.transpose();  // row-vector convention: aligned = p0 * r
  const double scale = s.sum() * norm_t / norm_p;
  return mean_distance((scale * (p0 * r)).rowwise() + mu_t, t);
}

double least_squares_scale(const Frame& p, const Frame& t) {
  const double pp = p.squaredNorm();
  return pp > 0 ? (p.array() * t.array()).sum() / pp : 1.0;
}

}  // namespace

std::vector<double> mpjpe_per_frame(const ArrayF& predicted, const ArrayF& target) {
  return per_frame(predicted, target, mean_distance);
}

double mpjpe(const std::vector<Eigen::Vector3d>& predicted, const std::vector<Eigen::Vector3d>& target) {
  if (predicted.size() != target.size()) fail("metrics", "predicted and target must have the same joints");
  Frame p(static_cast<Eigen::Index>(predicted.size()), 3), t(static_cast<Eigen::Index>(target.size()), 3);
  for (size_t j = 0; j < predicted.size(); ++j) {
    p.row(static_cast<Eigen::Index>(j)) = predicted[j].transpose();
    t.row(static_cast<Eigen::Index>(j)) = target[j].transpose();
  }
  return mean_distance(p, t);
}

std::vector<double> p_mpjpe_per_frame(const ArrayF& predicted, const ArrayF& target) {
  return per_frame(predicted, target, procrustes_error);
}

std::vector<double> n_mpjpe_per_frame(const ArrayF& predicted, const ArrayF& target, std::vector<double>* scales) {
  if (scales) scales->clear();
  return per_frame(predicted, target, [scales](const Frame& p, const Frame& t) {
    const double scale = least_squares_scale(p, t);
    if (scales) scales->push_back(scale);
    return mean_distance(scale * p, t);
  });
}

ArrayF root_relative(const ArrayF& poses) {
  if (poses.ndim() != 3) fail("root_relative", "expected an (N, J, D) array");
  ArrayF out = poses;
  const int64_t J = poses.dim(1), D = poses.dim(2);
  for (int64_t f = 0; f < poses.dim(0); ++f)
    for (int64_t j = 0; j < J; ++j)
      for (int64_t d = 0; d < D; ++d)
        out.values[static_cast<size_t>((f * J + j) * D + d)] -= poses.values[static_cast<size_t>(f * J * D + d)];
  return out;
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

std::vector<double> mpjpe_per_joint(const ArrayF& predicted, const ArrayF& target) {
  if (predicted.shape != target.shape || predicted.ndim() != 3 || predicted.dim(2) != 3)
    fail("evaluation", "predictions and targets must both be (N, J, 3)");
  const int64_t N = predicted.dim(0), J = predicted.dim(1);
  std::vector<double> sum(static_cast<size_t>(J), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t j = 0; j < J; ++j) {
      const size_t o = static_cast<size_t>((n * J + j) * 3);
      const double dx = predicted.values[o] - target.values[o], dy = predicted.values[o + 1] - target.values[o + 1],
                   dz = predicted.values[o + 2] - target.values[o + 2];
      sum[static_cast<size_t>(j)] += std::sqrt(dx * dx + dy * dy + dz * dz);
    }
  for (double& v : sum) v /= static_cast<double>(std::max<int64_t>(1, N));
  return sum;
}

}  // namespace hoif
