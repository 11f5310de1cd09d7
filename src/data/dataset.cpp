#include "hoif/data/dataset.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hoif/core/error.h"
#include "hoif/data/h36m.h"
#include "hoif/geometry/skeleton.h"

namespace hoif {

namespace {

void check_options(const DatasetOptions& options) {
  if (options.downsample < 1) fail("--downsample", "must be at least 1");
  for (const auto& a : options.actions)
    if (action_index(a) < 0) {
      std::string valid;
      for (const auto& v : h36m_actions()) valid += (valid.empty() ? "" : " ") + v;
      fail("--actions", "unknown action '" + a + "' (valid: " + valid + ")");
    }
  const auto& trained = h36m_train_subjects();
  for (const auto& s : options.validation_subjects)
    if (std::find(trained.begin(), trained.end(), s) == trained.end())
      fail("--validation-subjects", fmt::format("'{}' is not a training subject ({})", s, fmt::join(trained, " ")));
}

const std::vector<int>& mocap_joints_for(const Keypoints2D& keypoints, const std::string& where) {
  if (keypoints.layout_name != "" && keypoints.layout_name != "h36m" && keypoints.layout_name != "h36m16")
    fail(where, "keypoints are in the '" + keypoints.layout_name +
                    "' layout; training needs Human3.6M joint order (layout h36m, 17 joints, or h36m16)");
  h36m_skeleton_for(keypoints.num_joints, where);
  return keypoints.num_joints == 17 ? h36m32_to_17() : h36m32_to_16();
}

struct Piece {
  const ArrayF* world;
  const ArrayF* pixels;
  const Camera* camera;
  uint8_t subject, action, camera_index;
  uint16_t take;
  int64_t frames;  // after downsampling
};

// Every (subject, take, camera) with keypoints, registering subjects, cameras and takes in `set`;
// takes without keypoints go to `skipped`.
std::vector<Piece> collect_pieces(const Mocap& mocap, const Keypoints2D& keypoints, const std::vector<std::string>& subjects,
                                  const DatasetOptions& options, const std::string& where, PoseSet& set,
                                  std::vector<SkippedTake>* skipped) {
  std::vector<Piece> pieces;
  auto skip = [&](const std::string& s, const std::string& t, int c, const std::string& why) {
    if (skipped) skipped->push_back({s, t, c, why});
  };
  for (const auto& subject : subjects) {
    auto mocap_it = mocap.positions.find(subject);
    if (mocap_it == mocap.positions.end()) continue;
    const CameraRig& rig = mocap.rig(subject);
    const auto subject_index = static_cast<uint8_t>(set.subjects.size());
    set.subjects.push_back(subject);
    set.cameras.push_back(rig);
    for (const auto& [take, world] : mocap_it->second) {
      const std::string action = action_of_take(take);
      const int a = action_index(action);
      if (a < 0) fail(mocap.source, subject + " take '" + take + "' is not one of the 15 Human3.6M actions");
      if (!options.actions.empty() && std::find(options.actions.begin(), options.actions.end(), action) == options.actions.end())
        continue;
      auto kp_subject = keypoints.positions.find(subject);
      if (kp_subject == keypoints.positions.end() || !kp_subject->second.count(take)) {
        skip(subject, take, -1, "no keypoints");
        continue;
      }
      const auto& per_camera = kp_subject->second.at(take);
      if (per_camera.size() != 4)
        fail(where, subject + " '" + take + "' has " + std::to_string(per_camera.size()) + " cameras, expected 4");
      auto take_it = std::find(set.takes.begin(), set.takes.end(), take);
      if (take_it == set.takes.end()) take_it = set.takes.insert(set.takes.end(), take);
      const auto take_index = static_cast<uint16_t>(take_it - set.takes.begin());
      const int64_t n = world.dim(0);
      for (int c = 0; c < 4; ++c) {
        const ArrayF& px = per_camera[static_cast<size_t>(c)];
        if (px.size() == 0) {
          skip(subject, take, c, "no keypoints for this camera");
          continue;
        }
        // Detections may run longer than the mocap (cut them, as the original does); never shorter.
        if (px.dim(0) < n)
          fail(where, subject + " '" + take + "' camera " + kH36mCameraIds[static_cast<size_t>(c)] + " has " +
                          std::to_string(px.dim(0)) + " frames, fewer than the mocap's " + std::to_string(n));
        pieces.push_back({&world, &px, &rig[static_cast<size_t>(c)], subject_index, static_cast<uint8_t>(a),
                          static_cast<uint8_t>(c), take_index, (n + options.downsample - 1) / options.downsample});
      }
    }
  }
  return pieces;
}

// One piece's frames from `row` on: the inputs in width-normalised screen coordinates, the
// targets root-relative in the camera frame (metres), the roots.
void fill_rows(const Piece& p, const std::vector<int>& joints, int64_t downsample, PoseSet& set, int64_t row) {
  const int64_t J = set.num_joints;
  const Camera& cam = *p.camera;
  for (int64_t i = 0; i < p.frames; ++i, ++row) {
    const int64_t frame = i * downsample;
    set.info[static_cast<size_t>(row)] = {p.subject, p.action, p.camera_index, p.take, static_cast<uint32_t>(frame)};
    const float* w = p.world->data() + frame * 32 * 3;
    const float* px = p.pixels->data() + frame * J * 2;
    float* in = set.inputs.data() + row * J * 2;
    float* out = set.targets.data() + row * J * 3;
    Eigen::Vector3d root;
    for (int64_t j = 0; j < J; ++j) {
      const float* x = w + joints[static_cast<size_t>(j)] * 3;
      const Eigen::Vector3d cam_xyz = world_to_camera(cam, Eigen::Vector3d(x[0], x[1], x[2]));
      if (j == 0) {
        root = cam_xyz;
        for (int d = 0; d < 3; ++d) set.roots.data()[row * 3 + d] = static_cast<float>(root[d]);
      }
      const Eigen::Vector3d rel = cam_xyz - root;
      for (int d = 0; d < 3; ++d) out[j * 3 + d] = static_cast<float>(rel[d]);
    }
    std::copy_n(px, J * 2, in);
    normalize_screen_inplace(in, J, cam.width, cam.height);
  }
}

}  // namespace

PoseSet build_pose_set(const Mocap& mocap, const Keypoints2D& keypoints, const std::vector<std::string>& subjects,
                       const DatasetOptions& options, std::vector<SkippedTake>* skipped) {
  check_options(options);
  const std::string where = "keypoints '" + options.keypoints + "'";
  const std::vector<int>& joints = mocap_joints_for(keypoints, where);
  const int64_t J = keypoints.num_joints;

  PoseSet set;
  set.keypoints = options.keypoints;
  set.num_joints = keypoints.num_joints;
  const std::vector<Piece> pieces = collect_pieces(mocap, keypoints, subjects, options, where, set, skipped);
  int64_t total = 0;
  for (const auto& p : pieces) total += p.frames;
  set.inputs = ArrayF({total, J, 2});
  set.targets = ArrayF({total, J, 3});
  set.roots = ArrayF({total, 3});
  set.info.resize(static_cast<size_t>(total));
  int64_t row = 0;
  for (const auto& p : pieces) {
    fill_rows(p, joints, options.downsample, set, row);
    row += p.frames;
  }
  return set;
}

Datasets load_datasets(const H36mData& data, const DatasetOptions& options) {
  check_options(options);
  const std::vector<std::string>& held_out = options.validation_subjects;
  std::vector<std::string> trained;
  for (const auto& s : h36m_train_subjects())
    if (std::find(held_out.begin(), held_out.end(), s) == held_out.end()) trained.push_back(s);
  const Keypoints2D keypoints = data.keypoints(options.keypoints);
  Datasets d;
  d.absent = data.mocap().absent_takes();
  d.train = build_pose_set(data.mocap(), keypoints, trained, options, &d.skipped);
  if (!held_out.empty()) {
    d.validation = build_pose_set(data.mocap(), keypoints, held_out, options, &d.skipped);
    if (d.validation.size() == 0) fail("--validation-subjects", "the data has no poses of these subjects");
  }
  d.test = build_pose_set(data.mocap(), keypoints, h36m_test_subjects(), options, &d.skipped);
  return d;
}

}  // namespace hoif
