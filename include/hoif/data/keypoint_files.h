#pragma once
// The user's own 2D keypoints, as detectors write them:
//   JSON  MMPose's predictions ({"instance_info": [{"frame_id", "instances": [{"keypoints",
//         "keypoint_scores"}]}]}, or a list of instances, or a list of such lists, or
//         {"predictions": ...}); OpenPose's per-frame {"people": [{"pose_keypoints_2d"}]}, one file
//         or a folder of them (frames in file-name order)
//   CSV   one row per frame: x0,y0[,c0],x1,y1[,c1],... in the layout's joint order (a header
//         line is skipped)
//   npz   'keypoints', (N, J, 2) or (N, J, 3) with confidences
// Several people per frame are kept apart by their "track_id" (MMPose JSON), else by their index
// in the frame. What hoif detect writes beyond the keypoints is read back where the file has it:
// the image size, the frame rate and the lost rows (MMPose JSON: meta_info's image_size and fps,
// each instance's "lost", or a frame's for all its people; npz: the track columns of
// data/track_columns.h and fps), and an npz's frame and person numbers.
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

// What a detector knows beyond the keypoints, written along with them.
struct KeypointFileInfo {
  int width = 0, height = 0;  // the image, pixels
  double fps = 0;             // 0: a photo, or not known
  std::vector<uint8_t> lost;  // per row: 1 where the person was lost (empty: none)
  std::string source;         // the image or video, and the detector
};

struct KeypointFile {
  KeypointTracks tracks;
  KeypointFileInfo info;  // what the file states of it (hoif detect's files: everything; others: maybe nothing)
};

// Errors name the file and the problem (wrong joint count, unparsable numbers, NaN, ...).
KeypointFile read_keypoints(const std::string& path, KeypointLayout layout);

// Gives every joint of a lost row a NaN confidence, so that lifting fills the row from the frames
// around it (or refuses it) instead of lifting the detector's guess. Returns the number of lost
// rows; all of them lost is an Error naming `where` ("no person found").
int64_t mark_lost_as_missing(KeypointTracks& tracks, const std::vector<uint8_t>& lost, const std::string& where);

// Writes what read_keypoints reads, by the path's type (atomically):
//   .json  MMPose's layout: {"meta_info": {...}, "instance_info": [{"frame_id", "instances":
//          [{"keypoints": [[x, y], ...], "keypoint_scores": [...], "track_id", "lost"}]}]}, the
//          people of a frame in one entry
//   .csv   a header of joint names, then per frame x0,y0,c0,x1,... in the layout's order (one
//          person per frame; several are an Error)
//   .npz   keypoints (N, J, 3) float32; frame, person, lost (N,) int64; image_size (2,) int64;
//          fps (1,) float32; joint_names (J,) str
void write_keypoints(const std::string& path, const KeypointTracks& tracks, KeypointLayout layout,
                     const KeypointFileInfo& info);

}  // namespace hoif
