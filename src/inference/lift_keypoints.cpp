#include "hoif/inference/lift_keypoints.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "hoif/core/error.h"
#include "hoif/inference/predict.h"
#include "hoif/geometry/camera.h"
#include "hoif/geometry/skeleton.h"

namespace hoif {

namespace {

// Each person's rows in frame order.
std::map<int64_t, std::vector<int64_t>> person_tracks(const KeypointTracks& t) {
  std::map<int64_t, std::vector<int64_t>> tracks;
  for (int64_t r = 0; r < t.keypoints.dim(0); ++r) tracks[t.person[static_cast<size_t>(r)]].push_back(r);
  for (auto& [person, rows] : tracks)
    std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) {
      return t.frame[static_cast<size_t>(a)] < t.frame[static_cast<size_t>(b)];
    });
  return tracks;
}

}  // namespace

void fill_missing_joints(KeypointTracks& t, const std::vector<std::string>& names, double min_confidence,
                         bool interpolate, const std::function<void(const std::string&)>& warn) {
  const int64_t J = t.keypoints.dim(1);
  float* k = t.keypoints.values.data();
  auto seen = [&](int64_t row, int64_t j) {
    const float* p = k + (row * J + j) * 3;
    return std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]) && p[2] >= min_confidence;
  };
  // A joint never seen still has the detector's own estimate where its position and confidence are numbers.
  auto has_estimates = [&](const std::vector<int64_t>& rows, int64_t j) {
    return std::all_of(rows.begin(), rows.end(), [&](int64_t r) {
      const float* p = k + (r * J + j) * 3;
      return std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]);
    });
  };
  const std::map<int64_t, std::vector<int64_t>> tracks = person_tracks(t);
  for (const auto& [person, rows] : tracks) {
    for (int64_t j = 0; j < J; ++j) {
      std::vector<size_t> good;
      for (size_t i = 0; i < rows.size(); ++i)
        if (seen(rows[i], j)) good.push_back(i);
      if (good.size() == rows.size()) continue;
      const size_t first_missing = [&] {
        for (size_t i = 0; i < rows.size(); ++i)
          if (!seen(rows[i], j)) return i;
        return size_t{0};
      }();
      const std::string what = fmt::format("joint {} of person {} is missing or below confidence {} in frame {}",
                                           names[static_cast<size_t>(j)], person, min_confidence,
                                           t.frame[static_cast<size_t>(rows[first_missing])]);
      if (!interpolate) fail("keypoints", what + " (use --missing interpolate to fill it over time)");
      if (good.empty()) {
        if (!has_estimates(rows, j)) fail("keypoints", what + " and in every other frame: nothing to interpolate from");
        warn(fmt::format("warning: joint {} of person {} is below confidence {} in every frame: the detector's own estimate "
                         "is lifted (its confidence is kept in the output)", names[static_cast<size_t>(j)], person, min_confidence));
        continue;
      }
      // Linear in time between the nearest sightings before and after; held beyond the ends.
      size_t next = 0;  // index into good of the first sighting after row i
      for (size_t i = 0; i < rows.size(); ++i) {
        while (next < good.size() && good[next] <= i) ++next;
        if (seen(rows[i], j)) continue;
        const bool has_before = next > 0, has_after = next < good.size();
        const int64_t before = rows[good[has_before ? next - 1 : next]], after = rows[good[has_after ? next : next - 1]];
        double w = 0.0;
        if (has_before && has_after) {
          const auto f0 = static_cast<double>(t.frame[static_cast<size_t>(before)]),
                     f1 = static_cast<double>(t.frame[static_cast<size_t>(after)]),
                     f = static_cast<double>(t.frame[static_cast<size_t>(rows[i])]);
          w = f1 > f0 ? (f - f0) / (f1 - f0) : 0.0;
        }
        const float* a = k + (before * J + j) * 3;
        const float* c = k + (after * J + j) * 3;
        float* p = k + (rows[i] * J + j) * 3;
        p[0] = static_cast<float>(a[0] + w * (c[0] - a[0]));
        p[1] = static_cast<float>(a[1] + w * (c[1] - a[1]));
        p[2] = 0.0f;  // filled in, not seen
      }
    }
  }
}

int64_t drop_off_image_joints(KeypointTracks& t, int width, int height) {
  int64_t dropped = 0;
  float* k = t.keypoints.values.data();
  for (int64_t i = 0; i < t.keypoints.size() / 3; ++i) {
    const double x = k[i * 3], y = k[i * 3 + 1];
    if (std::isfinite(x) && std::isfinite(y) && x >= -width && x <= 2.0 * width && y >= -height && y <= 2.0 * height)
      continue;
    if (std::isfinite(x) && std::isfinite(y)) ++dropped;  // not finite: missing anyway, said elsewhere
    k[i * 3 + 2] = std::numeric_limits<float>::quiet_NaN();
  }
  return dropped;
}

void smooth_tracks(KeypointTracks& t, double fps, double image_height, const OneEuroParams& params) {
  if (!(fps > 0)) fail("--fps", "smoothing needs the frame rate (positive)");
  const int64_t J = t.keypoints.dim(1);
  for (const auto& [person, rows] : person_tracks(t)) {
    std::vector<double> signal(rows.size());
    for (int64_t j = 0; j < J; ++j)
      for (int d = 0; d < 2; ++d) {
        const auto value = [&](size_t i) -> float& { return t.keypoints.values[static_cast<size_t>((rows[i] * J + j) * 3 + d)]; };
        for (size_t i = 0; i < rows.size(); ++i) signal[i] = value(i) / image_height;
        one_euro_filter(signal, fps, params);
        for (size_t i = 0; i < rows.size(); ++i) value(i) = static_cast<float>(signal[i] * image_height);
      }
  }
}

ArrayF lift_keypoints(LiftingNetwork& model, KeypointTracks& t, const LiftOptions& o, const torch::Device& device) {
  const int J = model.config().joints;
  if (t.keypoints.ndim() != 3 || t.keypoints.dim(1) != J || t.keypoints.dim(2) != 3)
    fail("keypoints", fmt::format("the model takes {} joints, the keypoints have {}", J, t.keypoints.dim(1)));
  if (o.width <= 0 || o.height <= 0) fail("--width/--height", "the image size is needed to normalise the keypoints");
  const Skeleton& skeleton = h36m_skeleton_for(J, "the model");
  if (const int64_t dropped = drop_off_image_joints(t, o.width, o.height))
    o.warn(fmt::format("warning: {} keypoint(s) lie more than one image size outside the {}x{} image; taken as missing",
                       dropped, o.width, o.height));
  fill_missing_joints(t, skeleton.names, o.min_confidence, o.interpolate_missing, o.warn);
  if (o.smooth) smooth_tracks(t, o.fps, o.height, o.smoothing);

  const int64_t N = t.keypoints.dim(0);
  ArrayF inputs({N, J, 2});
  for (int64_t i = 0; i < N * J; ++i) {
    const Eigen::Vector2d n = normalize_screen({t.keypoints.values[static_cast<size_t>(i * 3)],
                                                t.keypoints.values[static_cast<size_t>(i * 3 + 1)]},
                                               o.width, o.height);
    inputs.values[static_cast<size_t>(i * 2)] = static_cast<float>(n.x());
    inputs.values[static_cast<size_t>(i * 2 + 1)] = static_cast<float>(n.y());
  }
  ArrayF poses = predict_poses(model, inputs, device, o.flip);
  for (int64_t n = 0; n < N; ++n)
    for (int j = J - 1; j >= 0; --j)
      for (int d = 0; d < 3; ++d)
        poses.values[static_cast<size_t>((n * J + j) * 3 + d)] -= poses.values[static_cast<size_t>(n * J * 3 + d)];
  return poses;
}

}  // namespace hoif
