#pragma once
// Pixels to 2D keypoints: every frame of a video (or the one frame of a photo) through the
// tracker, one person, COCO-17 keypoints in the image's pixels.
#include <string>
#include <vector>

#include "hoif/data/keypoint_files.h"
#include "hoif/detection/movenet.h"

namespace hoif {

struct DetectedMedia {
  KeypointTracks tracks;      // (N, 17, 3): x, y in pixels, score; one row per frame, person 0
  std::vector<uint8_t> lost;  // per frame: 1 where the torso was not seen (the pose is unreliable)
  std::vector<double> detect_ms;  // per frame: the tracker's and detector's time, milliseconds
  int width = 0, height = 0;  // the frames' size, pixels
  double fps = 0;             // 0 for a photo or when the container does not say
};

struct DetectOptions {
  int64_t max_frames = 0;  // 0: all
  bool progress = true;    // rate and ETA on stderr
};

// A file that is no image or video, or has no frames, is an Error naming it.
DetectedMedia detect_media(const std::string& path, const MoveNet& detector, const DetectOptions& options = {});

}  // namespace hoif
