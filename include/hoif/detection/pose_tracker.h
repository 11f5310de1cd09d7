#pragma once
// Following one person through a video as MoveNet's published demo does: the first frame is
// seen whole (padded to a square), every later frame through a square around the previous
// pose, and the whole frame again when the torso is lost.
#include "hoif/detection/movenet.h"

namespace hoif {

constexpr double kMinCropKeypointScore = 0.2;  // the demo's threshold for joints that shape the crop

// The whole image, padded to a square about its centre.
CropRegion whole_image_region(int width, int height);
// At least one hip and one shoulder scored above kMinCropKeypointScore.
bool torso_visible(const CocoPose& pose);
// The demo's next region: centred on the hips, half-size the larger of 1.9x the torso's extent
// and 1.2x the body's (joints above the threshold), kept within reach of the image; the whole
// image when the torso is not visible or the square would be larger than the image.
CropRegion next_crop_region(const CocoPose& pose, int width, int height);

class PoseTracker {
 public:
  explicit PoseTracker(const MoveNet& detector) : detector_(detector) {}
  // The pose in the next frame of the video.
  CocoPose track(const RgbImage& frame);
  // Whether the last tracked frame lost the person (torso not visible).
  bool lost() const { return lost_; }

 private:
  const MoveNet& detector_;
  bool started_ = false, lost_ = false;
  CropRegion region_;
  int width_ = 0, height_ = 0;
};

}  // namespace hoif
