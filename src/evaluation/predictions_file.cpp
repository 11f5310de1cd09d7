#include "hoif/evaluation/predictions_file.h"

#include <cmath>

#include <fmt/format.h>

#include "hoif/core/error.h"
#include "hoif/data/h36m.h"
#include "hoif/geometry/skeleton.h"
#include "hoif/io/npz.h"

namespace hoif {

namespace {

constexpr const char* kRequired[] = {"poses_3d", "targets_3d", "inputs_2d", "subject", "action", "take",
                                     "camera", "frame", "subject_names", "take_names", "camera_rotation",
                                     "image_size"};

ArrayF poses(const NpzReader& npz, const std::string& key, int64_t rows, int64_t last, const std::string& path) {
  const std::string where = path + ":" + key;
  ArrayF a = npz.array(key).to_float(where);
  if (a.shape.size() != 3 || (rows >= 0 && a.shape[0] != rows) || a.shape[2] != last || (a.shape[1] != 16 && a.shape[1] != 17))
    fail(where, fmt::format("expected shape (N, 16 or 17, {}), got a {}-d array", last, a.shape.size()));
  for (const float v : a.values)
    if (!std::isfinite(v)) fail(where, "holds NaN or infinite values");
  return a;
}

}  // namespace

void write_predictions_file(const std::string& path, const PoseSet& set, const ArrayF& predicted) {
  const int64_t n = set.size();
  Array<int64_t> subject({n}), action({n}), take({n}), camera({n}), frame({n});
  for (int64_t i = 0; i < n; ++i) {
    const PoseInfo& p = set.info[static_cast<size_t>(i)];
    const auto u = static_cast<size_t>(i);
    subject.values[u] = p.subject;
    action.values[u] = p.action;
    take.values[u] = p.take;
    camera.values[u] = p.camera;
    frame.values[u] = p.frame;
  }
  const auto S = static_cast<int64_t>(set.subjects.size());
  ArrayF rotation({S, 4, 3, 3});
  Array<int64_t> image_size({S, 4, 2});
  for (int64_t s = 0; s < S; ++s)
    for (int64_t c = 0; c < 4; ++c) {
      const Camera& cam = set.cameras[static_cast<size_t>(s)][static_cast<size_t>(c)];
      for (int r = 0; r < 3; ++r)
        for (int k = 0; k < 3; ++k) rotation.values[static_cast<size_t>(((s * 4 + c) * 3 + r) * 3 + k)] = static_cast<float>(cam.R(r, k));
      image_size.values[static_cast<size_t>((s * 4 + c) * 2)] = cam.width;
      image_size.values[static_cast<size_t>((s * 4 + c) * 2 + 1)] = cam.height;
    }
  const std::vector<std::string> cameras(kH36mCameraIds.begin(), kH36mCameraIds.end());
  write_npz(path, {{"poses_3d", encode_npy(NdArray::from(predicted))},
                   {"targets_3d", encode_npy(NdArray::from(set.targets))},
                   {"inputs_2d", encode_npy(NdArray::from(set.inputs))},
                   {"subject", encode_npy(NdArray::from(subject))},
                   {"action", encode_npy(NdArray::from(action))},
                   {"take", encode_npy(NdArray::from(take))},
                   {"camera", encode_npy(NdArray::from(camera))},
                   {"frame", encode_npy(NdArray::from(frame))},
                   {"camera_rotation", encode_npy(NdArray::from(rotation))},
                   {"image_size", encode_npy(NdArray::from(image_size))},
                   {"subject_names", encode_npy_strings(set.subjects)},
                   {"action_names", encode_npy_strings(h36m_actions())},
                   {"take_names", encode_npy_strings(set.takes)},
                   {"camera_ids", encode_npy_strings(cameras)},
                   {"joint_names", encode_npy_strings(h36m_skeleton_for(set.num_joints, path).names)}});
}

PredictionsFile read_predictions_file(const std::string& path) {
  const NpzReader npz(path);
  for (const char* key : kRequired)
    if (!npz.has(key)) fail(path, std::string("has no '") + key + "' (write it with `hoif evaluate CKPT --export FILE`)");
  PredictionsFile file;
  PoseSet& set = file.set;
  file.predicted = poses(npz, "poses_3d", -1, 3, path);
  const int64_t N = file.predicted.shape[0];
  set.num_joints = static_cast<int>(file.predicted.shape[1]);
  set.targets = poses(npz, "targets_3d", N, 3, path);
  set.inputs = poses(npz, "inputs_2d", N, 2, path);
  if (set.targets.shape[1] != set.num_joints || set.inputs.shape[1] != set.num_joints)
    fail(path, "poses_3d, targets_3d and inputs_2d differ in their number of joints");
  set.subjects = decode_npy_strings(npz.load("subject_names"), path + ":subject_names");
  set.takes = decode_npy_strings(npz.load("take_names"), path + ":take_names");
  const auto index = [&](const char* key) {
    auto v = npz.array(key).to_int64(path + ":" + key);
    if (v.size() != static_cast<size_t>(N)) fail(path + ":" + key, fmt::format("has {} values for {} poses", v.size(), N));
    return v;
  };
  const auto subject = index("subject"), action = index("action"), take = index("take"), camera = index("camera"),
             frame = index("frame");
  const auto S = static_cast<int64_t>(set.subjects.size()), T = static_cast<int64_t>(set.takes.size()),
             A = static_cast<int64_t>(h36m_actions().size());
  set.info.resize(static_cast<size_t>(N));
  for (size_t i = 0; i < set.info.size(); ++i) {
    if (subject[i] < 0 || subject[i] >= S || take[i] < 0 || take[i] >= T || camera[i] < 0 || camera[i] > 3 ||
        action[i] < 0 || action[i] >= A || frame[i] < 0)
      fail(path, "subject/action/take/camera indices are inconsistent with the name tables");
    set.info[i] = {static_cast<uint8_t>(subject[i]), static_cast<uint8_t>(action[i]), static_cast<uint8_t>(camera[i]),
                   static_cast<uint16_t>(take[i]), static_cast<uint32_t>(frame[i])};
  }
  const ArrayF rotation = npz.array("camera_rotation").to_float(path + ":camera_rotation");
  const auto size = npz.array("image_size").to_int64(path + ":image_size");
  if (rotation.values.size() != static_cast<size_t>(S * 36) || size.size() != static_cast<size_t>(S * 8))
    fail(path, "camera_rotation / image_size do not match subject_names");
  set.cameras.resize(static_cast<size_t>(S));
  for (size_t s = 0; s < set.cameras.size(); ++s)
    for (size_t c = 0; c < 4; ++c) {
      Camera& cam = set.cameras[s][c];
      cam.id = kH36mCameraIds[c];
      for (int r = 0; r < 3; ++r)
        for (int k = 0; k < 3; ++k) cam.R(r, k) = rotation.values[(s * 4 + c) * 9 + static_cast<size_t>(r * 3 + k)];
      cam.width = static_cast<int>(size[(s * 4 + c) * 2]);
      cam.height = static_cast<int>(size[(s * 4 + c) * 2 + 1]);
    }
  return file;
}

}  // namespace hoif
