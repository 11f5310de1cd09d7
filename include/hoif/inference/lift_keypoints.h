#pragma once
// Lifting the user's own 2D keypoints: missing joints filled or refused, the training
// normalisation applied, optional flip test-time augmentation, root-relative output.
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "hoif/data/keypoint_files.h"
#include "hoif/geometry/one_euro.h"
#include "hoif/models/network.h"

namespace hoif {

struct LiftOptions {
  int width = 0, height = 0;         // the image the keypoints are in, pixels
  bool flip = false;                 // also lift the mirrored pose and average (test-time augmentation)
  double min_confidence = 0.1;       // a joint below this, or not finite, is missing
  bool interpolate_missing = true;   // fill missing joints over time; false: refuse with an error
  // Video: the 2D keypoints go through a One Euro filter (in image heights, over time at `fps`)
  // after filling and before lifting, so that single-frame lifting does not jitter.
  bool smooth = false;
  double fps = 30;
  OneEuroParams smoothing{1.0, 2.0, 1.0};
  // Told of joints taken as missing because they lie far outside the image (one line).
  std::function<void(const std::string&)> warn = [](const std::string&) {};
};

// Keypoints farther than one image size outside the image are no detections of a person in it
// (a detector's garbage, or a wrong --width/--height): their confidence is set to NaN, so that
// they count as missing. Returns how many there were.
int64_t drop_off_image_joints(KeypointTracks& tracks, int width, int height);

// Fills each missing joint of each person's track linearly between the nearest frames where it
// was seen (holding the first/last seen value at the ends), with confidence 0. A joint never seen
// in a person's track (a photo with a hidden knee) keeps the detector's own low-confidence
// estimate, told through `warn`; without estimates (NaN), or any missing joint when interpolation
// is off, it is an error naming frame, person and joint.
void fill_missing_joints(KeypointTracks& tracks, const std::vector<std::string>& joint_names,
                         double min_confidence, bool interpolate,
                         const std::function<void(const std::string&)>& warn = [](const std::string&) {});

// Each person's track, each joint's x and y through the One Euro filter, in frame order.
void smooth_tracks(KeypointTracks& tracks, double fps, double image_height, const OneEuroParams& params);
// tracks in the model's H3.6M joints (pixels) -> (N, J, 3) camera-frame metres, root-relative.
// Joints off the image are dropped and missing joints of `tracks` filled in place first
// (fill_missing_joints), so the caller can report the 2D input that was lifted. A model whose
// output is not finite is an error, never a file of NaN.
ArrayF lift_keypoints(LiftingNetwork& model, KeypointTracks& tracks, const LiftOptions& options,
                      const torch::Device& device);

}  // namespace hoif
