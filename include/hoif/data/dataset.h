#pragma once
// Training and test sets for a keypoint source, as the original code builds them: for every
// take and camera, the 2D keypoints (width-normalised) and the 3D pose in that camera's frame,
// in metres, root-relative with the root kept as an all-zero joint.
#include <cstdint>
#include <string>
#include <vector>

#include "hoif/core/array.h"
#include "hoif/data/data_source.h"
#include "hoif/data/mocap.h"

namespace hoif {

struct PoseInfo {
  uint8_t subject;  // index into PoseSet::subjects
  uint8_t action;   // index into h36m_actions()
  uint8_t camera;   // 0..3, kH36mCameraIds order
  uint16_t take;    // index into PoseSet::takes
  uint32_t frame;   // frame number within the take (50 fps)
};

struct PoseSet {
  std::string keypoints;  // the keypoint source name
  int num_joints = 0;
  ArrayF inputs;   // (N, J, 2) width-normalised screen coordinates
  ArrayF targets;  // (N, J, 3) camera frame, metres, root-relative (joint 0 is zero)
  ArrayF roots;    // (N, 3) the root joint in the camera frame, metres (to re-project changed poses)
  std::vector<PoseInfo> info;
  std::vector<std::string> subjects;  // names for PoseInfo::subject
  std::vector<CameraRig> cameras;     // per subject, as PoseInfo::subject; PoseInfo::camera indexes it
  std::vector<std::string> takes;     // names for PoseInfo::take

  int64_t size() const { return static_cast<int64_t>(info.size()); }
};

struct DatasetOptions {
  std::string keypoints = "gt";
  int downsample = 1;                // keep every downsample-th frame of each take and camera (--downsample)
  std::vector<std::string> actions;  // empty: all 15
  // Training subjects held out of the training set as a validation set, so that a run's length
  // or epoch can be chosen without looking at the test subjects (empty: none, the originals).
  std::vector<std::string> validation_subjects;
};

// A take (or one camera of it) that could not be used, and why.
struct SkippedTake {
  std::string subject, take;
  int camera = -1;  // -1: every camera
  std::string reason;
};

struct Datasets {
  PoseSet train, validation, test;  // validation: empty unless DatasetOptions::validation_subjects
  std::vector<TakeId> absent;        // canonical takes with no mocap in the data
  std::vector<SkippedTake> skipped;  // present takes without keypoints
};

Datasets load_datasets(const H36mData& data, const DatasetOptions& options);
PoseSet build_pose_set(const Mocap& mocap, const Keypoints2D& keypoints, const std::vector<std::string>& subjects,
                       const DatasetOptions& options, std::vector<SkippedTake>* skipped);

}  // namespace hoif
