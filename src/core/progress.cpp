#include "hoif/core/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace hoif {

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit, bool enabled)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total),
      enabled_(enabled && ::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(int64_t n) {
  done_ += n;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ > std::chrono::milliseconds(100)) {
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void ProgressBar::draw(bool final) {
  if (!enabled_) return;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  double frac = total_ > 0 ? std::min(1.0, double(done_) / double(total_)) : 0.0;
  constexpr int width = 30;
  int filled = static_cast<int>(frac * width);
  std::string bar(filled, '#');
  bar.resize(width, '.');
  double eta = rate > 0 ? (total_ - done_) / rate : 0.0;
  std::string line = fmt::format("\r{} [{}] {}/{} {:.0f} {}/s {} {:.0f}s {}", label_, bar, done_, total_,
                                 rate, unit_, final ? "in" : "ETA", final ? elapsed : eta, suffix_);
  std::fprintf(stderr, "%s\033[K%s", line.c_str(), final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace hoif
