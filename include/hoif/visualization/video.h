#pragma once
// Rendered frames to files: an animated GIF (giflib), an H.264 MP4 (FFmpeg's libraries) or a
// folder of PNGs, chosen by the output path. Decoding is media/video_reader.h.
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

}  // namespace hoif
