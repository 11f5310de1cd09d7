#include "hoif/visualization/video.h"

#include <gif_lib.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"

namespace hoif {

namespace fs = std::filesystem;

namespace {

std::string lower_extension(const std::string& path) {
  std::string e = fs::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

// ------------------------------------------------------------------ GIF

// 216 colours of a 6x6x6 cube and 40 greys: the renders are mostly white, black, greys and a
// few saturated colours, which this covers with small error; one global palette keeps the file
// small and the frames consistent.
class GifPalette {
 public:
  GifPalette() {
    for (int r = 0; r < 6; ++r)
      for (int g = 0; g < 6; ++g)
        for (int b = 0; b < 6; ++b) colours_[static_cast<size_t>(36 * r + 6 * g + b)] = {r * 51, g * 51, b * 51};
    for (int i = 0; i < 40; ++i) {
      const int v = static_cast<int>(std::lround(i * 255.0 / 39));
      colours_[static_cast<size_t>(216 + i)] = {v, v, v};
    }
    for (int r = 0; r < 32; ++r)
      for (int g = 0; g < 32; ++g)
        for (int b = 0; b < 32; ++b) lookup_[static_cast<size_t>((r * 32 + g) * 32 + b)] = nearest(r * 8 + 4, g * 8 + 4, b * 8 + 4);
  }
  uint8_t index(const uint8_t* rgb) const { return lookup_[static_cast<size_t>(((rgb[0] >> 3) * 32 + (rgb[1] >> 3)) * 32 + (rgb[2] >> 3))]; }
  ColorMapObject* make_map() const {
    std::array<GifColorType, 256> c{};
    for (size_t i = 0; i < 256; ++i)
      c[i] = {static_cast<GifByteType>(colours_[i][0]), static_cast<GifByteType>(colours_[i][1]),
              static_cast<GifByteType>(colours_[i][2])};
    return GifMakeMapObject(256, c.data());
  }

 private:
  uint8_t nearest(int r, int g, int b) const {
    int best = 0, best_d = 1 << 30;
    for (int i = 0; i < 256; ++i) {
      const auto& c = colours_[static_cast<size_t>(i)];
      const int d = (c[0] - r) * (c[0] - r) + (c[1] - g) * (c[1] - g) + (c[2] - b) * (c[2] - b);
      if (d < best_d) best = i, best_d = d;
    }
    return static_cast<uint8_t>(best);
  }
  std::array<std::array<int, 3>, 256> colours_{};
  std::vector<uint8_t> lookup_ = std::vector<uint8_t>(32 * 32 * 32);
};

class GifWriter : public FrameWriter {
 public:
  GifWriter(const std::string& path, int width, int height, double fps)
      : path_(path), file_(path), width_(width), height_(height), fps_(fps) {
    int error = 0;
    gif_ = EGifOpenFileName(file_.path().c_str(), false, &error);
    if (!gif_) fail(path, std::string("cannot write GIF: ") + GifErrorString(error));
    EGifSetGifVersion(gif_, true);
    ColorMapObject* map = palette_.make_map();
    const int ok = EGifPutScreenDesc(gif_, width, height, 8, 0, map);
    GifFreeMapObject(map);
    check(ok);
    // Loop forever (the NETSCAPE2.0 application extension).
    const unsigned char loop[3] = {1, 0, 0};
    check(EGifPutExtensionLeader(gif_, APPLICATION_EXT_FUNC_CODE));
    check(EGifPutExtensionBlock(gif_, 11, "NETSCAPE2.0"));
    check(EGifPutExtensionBlock(gif_, 3, loop));
    check(EGifPutExtensionTrailer(gif_));
  }
  ~GifWriter() override {
    if (gif_) EGifCloseFile(gif_, nullptr);
  }

  void write(const RgbImage& frame) override {
    if (frame.width != width_ || frame.height != height_) fail(path_, "frames change size");
    // Delays are whole centiseconds; rounding the running total keeps the duration exact.
    const int delay = static_cast<int>(std::lround((frames_ + 1) * 100.0 / fps_) - std::lround(frames_ * 100.0 / fps_));
    GraphicsControlBlock gcb{DISPOSE_DO_NOT, false, delay, NO_TRANSPARENT_COLOR};
    GifByteType extension[4];
    EGifGCBToExtension(&gcb, extension);
    check(EGifPutExtension(gif_, GRAPHICS_EXT_FUNC_CODE, 4, extension));
    check(EGifPutImageDesc(gif_, 0, 0, width_, height_, false, nullptr));
    std::vector<GifPixelType> row(static_cast<size_t>(width_));
    for (int y = 0; y < height_; ++y) {
      for (int x = 0; x < width_; ++x) row[static_cast<size_t>(x)] = palette_.index(frame.at(x, y));
      check(EGifPutLine(gif_, row.data(), width_));
    }
    ++frames_;
  }

  void finish() override {
    int error = 0;
    const int ok = EGifCloseFile(gif_, &error);
    gif_ = nullptr;
    if (ok != GIF_OK) fail(path_, std::string("cannot write GIF: ") + GifErrorString(error));
    file_.commit();
  }

 private:
  void check(int ok) const {
    if (ok != GIF_OK) fail(path_, std::string("cannot write GIF: ") + GifErrorString(gif_->Error));
  }
  std::string path_;
  PendingFile file_;
  GifPalette palette_;
  GifFileType* gif_ = nullptr;
  int width_, height_;
  double fps_;
  int64_t frames_ = 0;
};

// ------------------------------------------------------------------ MP4

std::string av_error(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

class Mp4Writer : public FrameWriter {
 public:
  Mp4Writer(const std::string& path, int width, int height, const VideoOptions& o)
      : path_(path), file_(path), width_(width), height_(height) {
    av_log_set_level(AV_LOG_ERROR);
    const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) codec = avcodec_find_encoder(AV_CODEC_ID_H264);
    if (!codec) fail(path, "this FFmpeg has no H.264 encoder (Debian: libavcodec59 with libx264); write a .gif instead");
    check(avformat_alloc_output_context2(&format_, nullptr, "mp4", file_.path().c_str()), "cannot create an MP4");
    AVStream* stream = avformat_new_stream(format_, nullptr);
    codec_ = avcodec_alloc_context3(codec);
    if (!stream || !codec_) fail(path, "out of memory");
    codec_->width = width;
    codec_->height = height;
    codec_->pix_fmt = AV_PIX_FMT_YUV420P;
    codec_->framerate = av_d2q(o.fps, 100000);
    codec_->time_base = av_inv_q(codec_->framerate);
    codec_->bit_rate = static_cast<int64_t>(o.bitrate_kbps) * 1000;
    codec_->gop_size = 12;
    if (format_->oformat->flags & AVFMT_GLOBALHEADER) codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    check(avcodec_open2(codec_, codec, nullptr), "cannot open the H.264 encoder");
    check(avcodec_parameters_from_context(stream->codecpar, codec_), "encoder parameters");
    stream->time_base = codec_->time_base;
    stream_ = stream;
    check(avio_open(&format_->pb, file_.path().c_str(), AVIO_FLAG_WRITE), "cannot write");
    check(avformat_write_header(format_, nullptr), "cannot write the MP4 header");
    frame_ = av_frame_alloc();
    packet_ = av_packet_alloc();
    frame_->format = AV_PIX_FMT_YUV420P;
    frame_->width = width;
    frame_->height = height;
    check(av_frame_get_buffer(frame_, 0), "frame buffer");
    scaler_ = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr,
                             nullptr, nullptr);
    if (!scaler_) fail(path, "no RGB to YUV conversion");
  }
  ~Mp4Writer() override {
    sws_freeContext(scaler_);
    av_frame_free(&frame_);
    av_packet_free(&packet_);
    avcodec_free_context(&codec_);
    if (format_) {
      if (format_->pb) avio_closep(&format_->pb);
      avformat_free_context(format_);
    }
  }

  void write(const RgbImage& image) override {
    if (image.width != width_ || image.height != height_) fail(path_, "frames change size");
    check(av_frame_make_writable(frame_), "frame buffer");
    const uint8_t* src[1] = {image.pixels.data()};
    const int stride[1] = {3 * width_};
    sws_scale(scaler_, src, stride, 0, height_, frame_->data, frame_->linesize);
    frame_->pts = frames_++;
    encode(frame_);
  }

  void finish() override {
    encode(nullptr);
    check(av_write_trailer(format_), "cannot finish the MP4");
    avio_closep(&format_->pb);
    file_.commit();
  }

 private:
  void encode(AVFrame* frame) {
    check(avcodec_send_frame(codec_, frame), "encoding");
    for (;;) {
      const int r = avcodec_receive_packet(codec_, packet_);
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      check(r, "encoding");
      packet_->duration = 1;  // one frame, so the last frame keeps its duration in the file
      av_packet_rescale_ts(packet_, codec_->time_base, stream_->time_base);
      packet_->stream_index = stream_->index;
      check(av_interleaved_write_frame(format_, packet_), "cannot write");
    }
  }
  void check(int code, const char* what) const {
    if (code < 0) fail(path_, fmt::format("{}: {}", what, av_error(code)));
  }

  std::string path_;
  PendingFile file_;
  int width_, height_;
  AVFormatContext* format_ = nullptr;
  AVCodecContext* codec_ = nullptr;
  AVStream* stream_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  SwsContext* scaler_ = nullptr;
  int64_t frames_ = 0;
};

// ------------------------------------------------------------------ PNG frames

class PngFolderWriter : public FrameWriter {
 public:
  explicit PngFolderWriter(const std::string& folder) : folder_(folder) {
    std::error_code ec;
    fs::create_directories(folder_, ec);
    if (ec) fail(folder, "cannot create the folder: " + ec.message());
  }
  void write(const RgbImage& frame) override {
    write_png((fs::path(folder_) / fmt::format("frame_{:05d}.png", frames_++)).string(), frame);
  }
  void finish() override {}

 private:
  std::string folder_;
  int64_t frames_ = 0;
};

}  // namespace

std::unique_ptr<FrameWriter> open_frame_writer(const std::string& path, int width, int height, const VideoOptions& o) {
  if (!(o.fps > 0)) fail("--fps", "must be positive");
  const std::string ext = lower_extension(path);
  if (ext == ".gif") return std::make_unique<GifWriter>(path, width, height, o.fps);
  if (ext == ".mp4") return std::make_unique<Mp4Writer>(path, width, height, o);
  if (!ext.empty()) fail(path, "unknown output type '" + ext + "' (use .gif, .mp4, or a folder for PNG frames)");
  return std::make_unique<PngFolderWriter>(path);
}

}  // namespace hoif
