#include "hoif/core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace hoif {

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit, bool enabled)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), enabled_(enabled),
      terminal_(::isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::skip(int64_t n) {
  done_ += n;
  skipped_ += n;
}

void ProgressBar::advance(int64_t n) {
  done_ += n;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ > (terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(60'000))) {
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

void ProgressBar::draw(bool final) {
  if (!enabled_) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_ - skipped_) / elapsed : 0.0;
  const double frac = total_ > 0 ? std::min(1.0, double(done_) / double(total_)) : 0.0;
  const std::string timing = final ? "in " + format_duration(elapsed)
                                   : "ETA " + (rate > 0 ? format_duration((total_ - done_) / rate) : std::string("?"));
  if (!terminal_) {
    std::fprintf(stderr, "%s\n", fmt::format("{}: {}/{} {} ({:.0f}%), {:.1f} {}/s, {} {}", label_, done_, total_, unit_,
                                             100 * frac, rate, unit_, timing, suffix_).c_str());
    return;
  }
  constexpr int width = 30;
  std::string bar(static_cast<int>(frac * width), '#');
  bar.resize(width, '.');
  const std::string line =
      fmt::format("\r{} [{}] {}/{} {:.0f} {}/s {} {}", label_, bar, done_, total_, rate, unit_, timing, suffix_);
  std::fprintf(stderr, "%s\033[K%s", line.c_str(), final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace hoif
