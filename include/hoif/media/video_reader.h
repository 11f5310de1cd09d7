#pragma once
// Video files and images decoded to RGB frames with FFmpeg's libraries: any container and codec
// FFmpeg reads (MP4, AVI, MKV, ...), and single images (JPEG, PNG) as one-frame videos.
#include <memory>
#include <string>

#include "hoif/core/image.h"

namespace hoif {

class VideoReader {
 public:
  explicit VideoReader(const std::string& path);
  ~VideoReader();
  // The next frame, false at the end.
  bool read(RgbImage& frame);
  double fps() const;
  // The number of frames the container announces (estimated from the duration when it has no
  // count), 0 when unknown: for progress only.
  int64_t frame_count() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hoif
