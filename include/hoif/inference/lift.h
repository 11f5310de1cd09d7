#pragma once
// Lifting the user's own 2D keypoints: missing joints filled or refused, the training
// normalisation applied, optional flip test-time augmentation, root-relative output.
#include <string>
#include <vector>

#include <torch/types.h>

#include "hoif/data/keypoint_files.h"
#include "hoif/models/lifter.h"

namespace hoif {

struct LiftOptions {
  int width = 0, height = 0;         // the image the keypoints are in, pixels
  bool flip = false;                 // also lift the mirrored pose and average (test-time augmentation)
  double min_confidence = 0.1;       // a joint below this, or not finite, is missing
  bool interpolate_missing = true;   // fill missing joints over time; false: refuse with an error
};

// Fills each missing joint of each person's track linearly between the nearest frames where it
// was seen (holding the first/last seen value at the ends). A joint never seen in a person's
// track, or any missing joint when interpolation is off, is an error naming frame, person and joint.
void fill_missing_joints(KeypointTracks& tracks, const std::vector<std::string>& joint_names,
                         double min_confidence, bool interpolate);

// tracks in the model's H3.6M joints (pixels) -> (N, J, 3) camera-frame metres, root-relative.
// Missing joints of `tracks` are filled in place first (fill_missing_joints), so the caller can
// report the 2D input that was lifted.
ArrayF lift_keypoints(PoseLifter& model, KeypointTracks& tracks, const LiftOptions& options,
                      const torch::Device& device);

}  // namespace hoif
