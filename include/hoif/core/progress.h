#pragma once
// A terminal progress bar with rate and ETA, written to stderr. Silent when stderr is not a
// terminal unless forced, so logs and CI output stay readable.
#include <chrono>
#include <cstdint>
#include <string>

namespace hoif {

class ProgressBar {
 public:
  // Draws only when `enabled` and stderr is a terminal.
  ProgressBar(std::string label, int64_t total, std::string unit = "it", bool enabled = true);
  ~ProgressBar();
  void advance(int64_t n = 1);
  void set_suffix(std::string suffix) { suffix_ = std::move(suffix); }
  void finish();

 private:
  void draw(bool final);
  std::string label_, unit_, suffix_;
  int64_t total_, done_ = 0;
  bool enabled_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace hoif
