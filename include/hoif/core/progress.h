#pragma once
// Progress with rate and ETA on stderr: a bar redrawn in place on a terminal; otherwise (a
// background run whose stderr goes to a log) one plain line a minute, so a log tells how far a
// long run is without filling up with redraws.
#include <chrono>
#include <cstdint>
#include <string>

namespace hoif {

class ProgressBar {
 public:
  // Silent unless `enabled`.
  ProgressBar(std::string label, int64_t total, std::string unit = "it", bool enabled = true);
  ~ProgressBar();
  // Counts units done before this bar started (a resumed epoch) without crediting them to the rate.
  void skip(int64_t n);
  void advance(int64_t n = 1);
  void set_suffix(std::string suffix) { suffix_ = std::move(suffix); }
  void finish();

 private:
  void draw(bool final);
  std::string label_, unit_, suffix_;
  int64_t total_, done_ = 0, skipped_ = 0;
  bool enabled_, terminal_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "42s", "12m05s", "3h07m": durations as a person reads them in a progress line.
std::string format_duration(double seconds);

}  // namespace hoif
