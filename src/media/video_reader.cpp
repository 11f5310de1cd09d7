#include "hoif/media/video_reader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include "hoif/core/error.h"

namespace hoif {

namespace {

std::string av_error(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

}  // namespace

struct VideoReader::State {
  std::string path;
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* packet = nullptr;
  SwsContext* scaler = nullptr;
  int stream = -1;
  bool flushed = false;
  ~State() {
    sws_freeContext(scaler);
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&codec);
    avformat_close_input(&format);
  }
};

VideoReader::VideoReader(const std::string& path) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  av_log_set_level(AV_LOG_QUIET);  // its problems are told in our own one line
  if (avformat_open_input(&s.format, path.c_str(), nullptr, nullptr) < 0) fail(path, "cannot open as a video");
  if (avformat_find_stream_info(s.format, nullptr) < 0) fail(path, "no stream information (not a video?)");
  const AVCodec* codec = nullptr;
  s.stream = av_find_best_stream(s.format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (s.stream < 0 || !codec) fail(path, "holds no decodable video stream");
  s.codec = avcodec_alloc_context3(codec);
  avcodec_parameters_to_context(s.codec, s.format->streams[s.stream]->codecpar);
  if (avcodec_open2(s.codec, codec, nullptr) < 0) fail(path, "cannot open its video decoder");
  s.frame = av_frame_alloc();
  s.packet = av_packet_alloc();
}

VideoReader::~VideoReader() = default;

double VideoReader::fps() const {
  const AVRational r = state_->format->streams[state_->stream]->avg_frame_rate;
  return r.den ? av_q2d(r) : 0.0;
}

int64_t VideoReader::frame_count() const {
  const AVStream* stream = state_->format->streams[state_->stream];
  if (stream->nb_frames > 0) return stream->nb_frames;
  if (state_->format->duration > 0 && fps() > 0)
    return static_cast<int64_t>(state_->format->duration * fps() / AV_TIME_BASE + 0.5);
  return 0;
}

bool VideoReader::read(RgbImage& out) {
  State& s = *state_;
  for (;;) {
    const int r = avcodec_receive_frame(s.codec, s.frame);
    if (r == 0) break;
    if (r == AVERROR_EOF) return false;
    if (r != AVERROR(EAGAIN)) fail(s.path, "cannot decode: " + av_error(r));
    if (s.flushed) return false;
    // Feed the decoder the next packet of the video stream (or flush it at the end).
    for (;;) {
      const int rr = av_read_frame(s.format, s.packet);
      if (rr < 0) {
        avcodec_send_packet(s.codec, nullptr);
        s.flushed = true;
        break;
      }
      const bool ours = s.packet->stream_index == s.stream;
      if (ours) avcodec_send_packet(s.codec, s.packet);
      av_packet_unref(s.packet);
      if (ours) break;
    }
  }
  const int w = s.frame->width, h = s.frame->height;
  s.scaler = sws_getCachedContext(s.scaler, w, h, static_cast<AVPixelFormat>(s.frame->format), w, h, AV_PIX_FMT_RGB24,
                                  SWS_BILINEAR, nullptr, nullptr, nullptr);
  out.width = w;
  out.height = h;
  out.pixels.resize(static_cast<size_t>(w) * h * 3);
  uint8_t* dst[1] = {out.pixels.data()};
  const int stride[1] = {3 * w};
  sws_scale(s.scaler, s.frame->data, s.frame->linesize, 0, h, dst, stride);
  return true;
}

}  // namespace hoif
