#include "hoif/media/detect_media.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "hoif/core/error.h"
#include "hoif/core/progress.h"
#include "hoif/detection/pose_tracker.h"
#include "hoif/media/video_reader.h"

namespace hoif {

DetectedMedia detect_media(const std::string& path, const MoveNet& detector, const DetectOptions& options) {
  VideoReader video(path);
  DetectedMedia out;
  out.fps = video.fps();
  const int64_t announced = video.frame_count();
  const int64_t total = options.max_frames > 0 && (announced == 0 || options.max_frames < announced) ? options.max_frames : announced;
  ProgressBar bar("detect", total, "frames", options.progress && total != 1);
  PoseTracker tracker(detector);
  std::vector<float> values;
  RgbImage frame;
  while ((options.max_frames == 0 || static_cast<int64_t>(out.lost.size()) < options.max_frames) && video.read(frame)) {
    if (out.lost.empty()) {
      out.width = frame.width;
      out.height = frame.height;
    }
    const auto start = std::chrono::steady_clock::now();
    const CocoPose pose = tracker.track(frame);
    out.detect_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    for (const Keypoint2D& k : pose) values.insert(values.end(), {k.x, k.y, k.score});
    out.tracks.frame.push_back(static_cast<int64_t>(out.lost.size()));
    out.tracks.person.push_back(0);
    out.lost.push_back(tracker.lost() ? 1 : 0);
    bar.advance();
  }
  bar.finish();
  if (out.lost.empty()) fail(path, "holds no frames");
  out.tracks.keypoints = ArrayF({static_cast<int64_t>(out.lost.size()), kCocoJoints, 3});
  out.tracks.keypoints.values = std::move(values);
  return out;
}

}  // namespace hoif
