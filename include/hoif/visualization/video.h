#pragma once
// Rendered frames to files, and video frames in: an animated GIF (giflib), an H.264 MP4
// (FFmpeg's libraries) or a folder of PNGs, chosen by the output path; a video file decoded to
// RGB frames for the 2D panel's background.
#include <memory>
#include <string>

#include "hoif/visualization/render.h"

namespace hoif {

struct VideoOptions {
  double fps = 25.0;
  int bitrate_kbps = 3000;  // MP4 only
};

// Frames of one size in; finish() completes the output. GIF and MP4 are written to a temporary
// next to the target and renamed over it by finish(): an interrupted render leaves no half file.
class FrameWriter {
 public:
  virtual ~FrameWriter() = default;
  virtual void write(const RgbImage& frame) = 0;
  virtual void finish() = 0;
};

// .gif, .mp4, or anything else as a folder of frame_00000.png, ...; unknown suffixes such as
// .avi are an error, as is an MP4 when FFmpeg has no H.264 encoder.
std::unique_ptr<FrameWriter> open_frame_writer(const std::string& path, int width, int height,
                                               const VideoOptions& options);

class VideoReader {
 public:
  explicit VideoReader(const std::string& path);
  ~VideoReader();
  // The next frame, false at the end.
  bool read(RgbImage& frame);
  double fps() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hoif
