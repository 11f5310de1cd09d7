#pragma once
// The user's own 2D keypoints, as detectors write them:
//   JSON  MMPose's predictions ({"instance_info": [{"frame_id", "instances": [{"keypoints",
//         "keypoint_scores"}]}]}, or a list of instances, or a list of such lists, or
//         {"predictions": ...}); OpenPose's per-frame {"people": [{"pose_keypoints_2d"}]}, one file
//         or a folder of them (frames in file-name order)
//   CSV   one row per frame: x0,y0[,c0],x1,y1[,c1],... in the layout's joint order (a header
//         line is skipped)
//   npz   'keypoints', (N, J, 2) or (N, J, 3) with confidences
// Several people per frame are kept apart by their index in the frame.
#include <string>
#include <vector>

#include "hoif/core/array.h"
#include "hoif/data/layouts.h"

namespace hoif {

struct KeypointTracks {
  ArrayF keypoints;             // (N, J, 3): x, y in pixels, confidence (1 where the file has none)
  std::vector<int64_t> frame;   // per row: the frame index (0-based, in file order)
  std::vector<int64_t> person;  // per row: the person's index within its frame
};

// Errors name the file and the problem (wrong joint count, unparsable numbers, NaN, ...).
KeypointTracks read_keypoints(const std::string& path, KeypointLayout layout);

}  // namespace hoif
