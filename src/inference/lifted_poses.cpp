#include "hoif/inference/lifted_poses.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/data/track_columns.h"
#include "hoif/io/npz.h"

namespace hoif {

const char* const kLiftedPosesFrame =
    "camera frame: x right, y down, z forward (away from the camera); metres; root-relative (Hip = 0)";

namespace {

// Rows [rows] of an (N, ...) array.
ArrayF take_rows(const ArrayF& a, const std::vector<int64_t>& rows) {
  if (a.values.empty()) return a;
  std::vector<int64_t> shape = a.shape;
  shape[0] = static_cast<int64_t>(rows.size());
  ArrayF out(shape);
  const int64_t row = a.size() / std::max<int64_t>(1, a.dim(0));
  for (size_t i = 0; i < rows.size(); ++i)
    std::copy_n(a.values.begin() + rows[i] * row, row, out.values.begin() + static_cast<int64_t>(i) * row);
  return out;
}

template <class T>
std::vector<T> take(const std::vector<T>& v, const std::vector<int64_t>& rows) {
  if (v.empty()) return v;
  std::vector<T> out;
  for (int64_t r : rows) out.push_back(v[static_cast<size_t>(r)]);
  return out;
}

void write_npz_file(const std::string& path, const LiftedPoses& p) {
  std::vector<NpzEntry> entries = {{"poses_3d", encode_npy(NdArray::from(p.poses))},
                                   {"joint_names", encode_npy_strings(p.joint_names)}};
  if (!p.keypoints_2d.values.empty()) entries.push_back({"keypoints_2d", encode_npy(NdArray::from(p.keypoints_2d))});
  if (!p.keypoint_scores.values.empty()) entries.push_back({"keypoint_scores", encode_npy(NdArray::from(p.keypoint_scores))});
  append_track_columns(entries, {p.frame, p.person, p.lost, p.width, p.height});
  write_npz(path, std::move(entries));
}

std::string json_text(const LiftedPoses& p) {
  const int64_t N = p.poses.dim(0), J = p.poses.dim(1);
  nlohmann::ordered_json j;
  j["joint_names"] = p.joint_names;
  j["coordinate_frame"] = kLiftedPosesFrame;
  j["poses"] = nlohmann::ordered_json::array();
  for (int64_t n = 0; n < N; ++n) {
    nlohmann::ordered_json pose;
    pose["frame"] = p.frame[static_cast<size_t>(n)];
    pose["person"] = p.person[static_cast<size_t>(n)];
    if (!p.lost.empty()) pose["lost"] = p.lost[static_cast<size_t>(n)] != 0;
    pose["pose_3d"] = nlohmann::ordered_json::array();
    for (int64_t k = 0; k < J; ++k) {
      const float* v = &p.poses.values[static_cast<size_t>((n * J + k) * 3)];
      pose["pose_3d"].push_back({v[0], v[1], v[2]});
    }
    j["poses"].push_back(pose);
  }
  return j.dump(1) + "\n";
}

std::string csv_text(const LiftedPoses& p) {
  const int64_t N = p.poses.dim(0), J = p.poses.dim(1);
  std::string csv = "frame,person";
  for (const auto& n : p.joint_names) csv += fmt::format(",{0}_x,{0}_y,{0}_z", n);
  csv += "\n";
  for (int64_t n = 0; n < N; ++n) {
    csv += fmt::format("{},{}", p.frame[static_cast<size_t>(n)], p.person[static_cast<size_t>(n)]);
    for (int64_t k = 0; k < J * 3; ++k) csv += fmt::format(",{:.6f}", p.poses.values[static_cast<size_t>(n * J * 3 + k)]);
    csv += "\n";
  }
  return csv;
}

}  // namespace

LiftedPoses LiftedPoses::person_track(int64_t who, const std::string& where) const {
  std::vector<int64_t> rows;
  for (size_t r = 0; r < person.size(); ++r)
    if (person[r] == who) rows.push_back(static_cast<int64_t>(r));
  if (rows.empty()) fail("--person", fmt::format("{} has no poses in {}", who, where));
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return frame[static_cast<size_t>(a)] < frame[static_cast<size_t>(b)]; });
  LiftedPoses out = *this;
  out.poses = take_rows(poses, rows);
  out.keypoints_2d = take_rows(keypoints_2d, rows);
  out.keypoint_scores = take_rows(keypoint_scores, rows);
  out.frame = take(frame, rows);
  out.person = take(person, rows);
  out.lost = take(lost, rows);
  return out;
}

void write_lifted_poses(const std::string& path, const LiftedPoses& p) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".npz") write_npz_file(path, p);
  else if (ext == ".json") write_file_atomically(path, json_text(p));
  else if (ext == ".csv") write_file_atomically(path, csv_text(p));
  else fail(path, "unknown output type (use .npz, .json or .csv)");
}

void LiftedPoses::set_keypoints(const ArrayF& k) {
  const int64_t N = k.dim(0), J = k.dim(1), D = k.dim(2);
  keypoints_2d = ArrayF({N, J, 2});
  keypoint_scores = D == 3 ? ArrayF({N, J}) : ArrayF();
  for (int64_t i = 0; i < N * J; ++i) {
    const float* point = &k.values[static_cast<size_t>(i * D)];
    keypoints_2d.values[static_cast<size_t>(i * 2)] = point[0];
    keypoints_2d.values[static_cast<size_t>(i * 2 + 1)] = point[1];
    if (D == 3) keypoint_scores.values[static_cast<size_t>(i)] = point[2];
  }
}

LiftedPoses read_lifted_poses(const std::string& path) {
  const NpzReader npz(path);
  if (!npz.has("poses_3d")) fail(path, "has no 'poses_3d' (N, J, 3): give a file `hoif lift` wrote");
  LiftedPoses p;
  p.poses = npz.array("poses_3d").to_float(path + ":poses_3d");
  if (p.poses.ndim() != 3 || p.poses.dim(2) != 3) fail(path, "poses_3d must be (N, J, 3)");
  const int64_t N = p.poses.dim(0), J = p.poses.dim(1);
  if (npz.has("joint_names")) p.joint_names = decode_npy_strings(npz.load("joint_names"), path + ":joint_names");
  TrackColumns columns = read_track_columns(npz, N, path);
  p.frame = std::move(columns.frame);
  p.person = std::move(columns.person);
  p.lost = std::move(columns.lost);
  p.width = columns.width;
  p.height = columns.height;
  if (npz.has("keypoints_2d")) {
    const ArrayF k = npz.array("keypoints_2d").to_float(path + ":keypoints_2d");
    if (k.ndim() != 3 || k.dim(0) != N || k.dim(1) != J || k.dim(2) < 2) fail(path, "keypoints_2d does not match poses_3d");
    if (k.dim(2) > 3) fail(path, "keypoints_2d does not match poses_3d");
    p.set_keypoints(k);
  }
  if (npz.has("keypoint_scores")) {
    p.keypoint_scores = npz.array("keypoint_scores").to_float(path + ":keypoint_scores");
    if (p.keypoint_scores.shape != std::vector<int64_t>{N, J} || p.keypoints_2d.values.empty())
      fail(path, "keypoint_scores does not match keypoints_2d");
  }
  return p;
}

}  // namespace hoif
