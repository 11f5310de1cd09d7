#pragma once
// The lifted poses file: what `hoif lift` writes and `hoif viz --poses3d` and
// `hoif export-motion` read (docs/LIFTING.md, "Output"). 3D poses are in the camera frame
// (x right, y down, z forward), metres, root-relative, in the model's joint order.
//   .npz   poses_3d (N, J, 3) float32; joint_names (J,) str; keypoints_2d (N, J, 2) pixels;
//          keypoint_scores (N, J); image_size (2,) int64; frame, person, lost (N,) int64
//   .json  {"joint_names", "coordinate_frame", "poses": [{"frame", "person", ["lost",] "pose_3d"}]}
//   .csv   frame,person,Hip_x,Hip_y,Hip_z,... one row per pose
#include <cstdint>
#include <string>
#include <vector>

#include "hoif/core/array.h"

namespace hoif {

struct LiftedPoses {
  ArrayF poses;                          // (N, J, 3)
  std::vector<std::string> joint_names;  // J
  ArrayF keypoints_2d;                   // (N, J, 2) the 2D that was lifted, pixels; empty if not known
  ArrayF keypoint_scores;                // (N, J) its confidences (0 where filled in); empty if not known
  int width = 0, height = 0;             // the image, pixels; 0 if not known
  std::vector<int64_t> frame, person;    // per pose
  std::vector<uint8_t> lost;             // per pose: the detector lost the person; empty: never

  // keypoints_2d (and keypoint_scores) from (N, J, 2) pixels, or (N, J, 3) with each point's
  // confidence as the third value.
  void set_keypoints(const ArrayF& keypoints);
  // One person's poses in frame order; none is an Error naming --person and `where` (the file).
  LiftedPoses person_track(int64_t person, const std::string& where) const;
};

// By the path's type; atomically.
void write_lifted_poses(const std::string& path, const LiftedPoses& poses);
// An npz as write_lifted_poses writes it (older files without the 2D, scores or lost still read).
LiftedPoses read_lifted_poses(const std::string& path);

extern const char* const kLiftedPosesFrame;  // the coordinate frame, in words

}  // namespace hoif
