#pragma once
// Line plots (training curves) and grouped bar charts (errors per action or joint) as PNG:
// anti-aliased, with axes, ticks, a legend and a title.
#include <string>
#include <vector>

namespace hoif {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
};

struct PlotAxes {
  std::string title, x_label, y_label;
  bool log_y = false;
  bool integer_x = false;  // ticks only at whole numbers (epochs)
};

// Tick values for a logarithmic axis from lo to hi (both > 0): the finest of m x 10^k for m in
// {1, 1.5, 2..9}, in {1, 2, 5} or in {1} that gives at most 8 ticks (the decades when none does).
std::vector<double> log_axis_ticks(double lo, double hi);

// Writes a w x h PNG atomically; series may be empty (then the plot says "no data").
void write_line_plot(const std::string& path, const PlotAxes& axes, const std::vector<PlotSeries>& series,
                     int width = 900, int height = 520);

// One group of bars per category, one bar per series (series[k].y[c], from zero; x is unused).
void write_bar_chart(const std::string& path, const PlotAxes& axes, const std::vector<std::string>& categories,
                     const std::vector<PlotSeries>& series, int width = 1000, int height = 560);

}  // namespace hoif
