#include "hoif/visualization/plot.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <memory>

#include <fmt/format.h>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"

namespace hoif {

namespace {

// Tick positions at 1, 2 or 5 times a power of ten, about `count` of them.
std::vector<double> nice_ticks(double lo, double hi, int count, bool integer = false) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / count;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  if (integer) step = std::max(1.0, std::round(step));
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) ticks.push_back(t);
  return ticks;
}

std::string tick_label(double v) {
  if (v != 0 && (std::abs(v) < 1e-3 || std::abs(v) >= 1e5)) return fmt::format("{:.0e}", v);
  std::string s = fmt::format("{:.4f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// Matplotlib's "tab10", the palette this field's plots use; lines past the tenth are dashed.
constexpr double kColours[][3] = {{0.122, 0.467, 0.706}, {1.0, 0.498, 0.055}, {0.173, 0.627, 0.173},
                                  {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
                                  {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
                                  {0.090, 0.745, 0.812}};
constexpr size_t kPaletteSize = std::size(kColours);

void set_series_colour(cairo_t* cr, size_t k) {
  const auto& c = kColours[k % kPaletteSize];
  cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

struct PlotArea {
  double left, top, width, height;
};

// The title, the axis labels, horizontal grid lines with y ticks, and the frame.
void draw_titles_and_y_axis(cairo_t* cr, const PlotAxes& axes, const PlotArea& a, int image_height, double y0,
                            double y1) {
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_font_size(cr, 16);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, axes.title.c_str(), &ext);
  cairo_move_to(cr, a.left + (a.width - ext.width) / 2, 30);
  cairo_show_text(cr, axes.title.c_str());
  cairo_set_font_size(cr, 13);
  cairo_text_extents(cr, axes.x_label.c_str(), &ext);
  cairo_move_to(cr, a.left + (a.width - ext.width) / 2, image_height - 15);
  cairo_show_text(cr, axes.x_label.c_str());
  cairo_save(cr);
  cairo_text_extents(cr, axes.y_label.c_str(), &ext);
  cairo_move_to(cr, 20, a.top + (a.height + ext.width) / 2);
  cairo_rotate(cr, -M_PI / 2);
  cairo_show_text(cr, axes.y_label.c_str());
  cairo_restore(cr);

  cairo_set_font_size(cr, 11);
  cairo_set_line_width(cr, 1);
  // A log axis spans log10 units; its ticks are chosen as values.
  std::vector<double> y_ticks =
      axes.log_y ? log_axis_ticks(std::pow(10.0, y0), std::pow(10.0, y1)) : nice_ticks(y0, y1, 6);
  if (axes.log_y)
    for (double& t : y_ticks) t = std::log10(t);
  for (double t : y_ticks) {
    const double y = a.top + a.height - (t - y0) / (y1 - y0) * a.height;
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, a.left, y);
    cairo_line_to(cr, a.left + a.width, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    const std::string label = tick_label(axes.log_y ? std::pow(10.0, t) : t);
    cairo_text_extents(cr, label.c_str(), &ext);
    cairo_move_to(cr, a.left - ext.width - 6, y + ext.height / 2);
    cairo_show_text(cr, label.c_str());
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, a.left, a.top, a.width, a.height);
  cairo_stroke(cr);
}

// The legend sits in a column right of the plot area, so that it never hides a curve however
// many series there are: its width fits the longest label, and its rows close up to fit the height.
constexpr double kLegendFont = 12, kLegendSwatch = 25, kLegendGap = 15, kLegendLabelGap = 7;

// At most half the image, so that a plot area remains whatever the labels.
double legend_width(cairo_t* cr, const std::vector<PlotSeries>& series, int image_width) {
  cairo_set_font_size(cr, kLegendFont);
  double widest = 0;
  for (const auto& s : series) {
    cairo_text_extents_t ext;
    cairo_text_extents(cr, s.label.c_str(), &ext);
    widest = std::max(widest, ext.x_advance);
  }
  return series.empty() ? 0 : std::min(kLegendGap + kLegendSwatch + kLegendLabelGap + widest, 0.5 * image_width);
}

// One row per series from the plot area's top right: its swatch (drawn by draw_swatch(k, x, y)
// in the series' colour, y the row's baseline) and its label.
template <typename DrawSwatch>
void draw_legend(cairo_t* cr, const PlotArea& a, const std::vector<PlotSeries>& series, DrawSwatch draw_swatch) {
  const double x = a.left + a.width + kLegendGap;
  const double row = std::min(18.0, a.height / std::max<double>(1, static_cast<double>(series.size())));
  cairo_set_font_size(cr, kLegendFont);
  for (size_t k = 0; k < series.size(); ++k) {
    const double y = a.top + 12 + row * static_cast<double>(k);
    set_series_colour(cr, k);
    draw_swatch(k, x, y);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, x + kLegendSwatch + kLegendLabelGap, y);
    cairo_show_text(cr, series[k].label.c_str());
  }
}

// A white image with a cairo context and the plots' font, saved as PNG atomically.
struct Canvas {
  Canvas(int width, int height)
      : surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height)), cr(cairo_create(surface)) {
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  }
  ~Canvas() {
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
  }
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;
  void save(const std::string& path) {
    cairo_surface_flush(surface);
    write_atomically(path, [&](const std::filesystem::path& tmp) {
      if (cairo_surface_write_to_png(surface, tmp.c_str()) != CAIRO_STATUS_SUCCESS) fail(path, "cannot write the PNG");
    });
  }
  cairo_surface_t* surface;
  cairo_t* cr;
};

}  // namespace

std::vector<double> log_axis_ticks(double lo, double hi) {
  // 1.5 fills the widest gap of the finest level (1 to 2 is 0.3 of a decade), so that a curve
  // reaching into the next decade, such as P1 from 38 to 165 mm, gets a tick there.
  const std::vector<std::vector<double>> levels = {{1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 5}, {1}};
  std::vector<double> ticks;
  if (!(lo > 0 && hi >= lo)) return ticks;
  for (const auto& multipliers : levels) {
    ticks.clear();
    for (int k = static_cast<int>(std::floor(std::log10(lo))); k <= static_cast<int>(std::ceil(std::log10(hi))); ++k)
      for (double m : multipliers) {
        const double v = m * std::pow(10.0, k);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push_back(v);
      }
    if (ticks.size() <= 8) break;
  }
  return ticks;
}

void write_line_plot(const std::string& path, const PlotAxes& axes, const std::vector<PlotSeries>& series, int width,
                     int height) {
  Canvas canvas(width, height);
  cairo_t* cr = canvas.cr;

  const double left = 80, right = 20 + legend_width(cr, series, width), top = 50, bottom = 60;
  const double pw = width - left - right, ph = height - top - bottom;
  auto ty = [&](double v) { return axes.log_y ? std::log10(std::max(v, 1e-12)) : v; };
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, ty(s.y[i]));
      y1 = std::max(y1, ty(s.y[i]));
    }
  const bool empty = !std::isfinite(x0);
  if (empty) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  const double pad = 0.05 * (y1 - y0);
  y0 -= pad;
  y1 += pad;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return top + ph - (ty(y) - y0) / (y1 - y0) * ph; };

  draw_titles_and_y_axis(cr, axes, {left, top, pw, ph}, height, y0, y1);

  // Vertical grid and x ticks.
  cairo_text_extents_t ext;
  cairo_set_font_size(cr, 11);
  cairo_set_line_width(cr, 1);
  for (double t : nice_ticks(x0, x1, 8, axes.integer_x)) {
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, px(t), top);
    cairo_line_to(cr, px(t), top + ph);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    const std::string label = tick_label(t);
    cairo_text_extents(cr, label.c_str(), &ext);
    cairo_move_to(cr, px(t) - ext.width / 2, top + ph + 16);
    cairo_show_text(cr, label.c_str());
  }

  // Lines with point markers, then the legend.
  cairo_set_line_width(cr, 2);
  const double dash = 6;
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    set_series_colour(cr, k);
    cairo_set_dash(cr, &dash, k < kPaletteSize ? 0 : 1, 0);
    bool started = false;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      if (!started) cairo_move_to(cr, px(s.x[i]), py(s.y[i]));
      else cairo_line_to(cr, px(s.x[i]), py(s.y[i]));
      started = true;
    }
    cairo_stroke(cr);
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (std::isfinite(s.y[i])) {
        cairo_arc(cr, px(s.x[i]), py(s.y[i]), 3, 0, 2 * M_PI);
        cairo_fill(cr);
      }
  }
  draw_legend(cr, {left, top, pw, ph}, series, [&](size_t k, double x, double y) {
    cairo_set_dash(cr, &dash, k < kPaletteSize ? 0 : 1, 0);
    cairo_move_to(cr, x, y - 4);
    cairo_line_to(cr, x + kLegendSwatch, y - 4);
    cairo_stroke(cr);
  });
  cairo_set_dash(cr, nullptr, 0, 0);
  if (empty) {
    cairo_set_font_size(cr, 14);
    cairo_move_to(cr, left + pw / 2 - 30, top + ph / 2);
    cairo_show_text(cr, "no data");
  }
  canvas.save(path);
}

void write_bar_chart(const std::string& path, const PlotAxes& axes, const std::vector<std::string>& categories,
                     const std::vector<PlotSeries>& series, int width, int height) {
  Canvas canvas(width, height);
  cairo_t* cr = canvas.cr;

  // Bars start at zero; category names run diagonally under them.
  const double left = 80, right = 20 + legend_width(cr, series, width), top = 50, bottom = 110;
  const double pw = width - left - right, ph = height - top - bottom;
  double y1 = 0;
  for (const auto& s : series)
    for (double v : s.y)
      if (std::isfinite(v)) y1 = std::max(y1, v);
  if (y1 <= 0) y1 = 1;
  y1 *= 1.08;
  draw_titles_and_y_axis(cr, axes, {left, top, pw, ph}, height, 0, y1);

  const double n = std::max<double>(1, static_cast<double>(categories.size()));
  const double slot = pw / n, bar = 0.8 * slot / std::max<double>(1, static_cast<double>(series.size()));
  cairo_text_extents_t ext;
  for (size_t c = 0; c < categories.size(); ++c) {
    for (size_t k = 0; k < series.size(); ++k) {
      if (c >= series[k].y.size() || !std::isfinite(series[k].y[c])) continue;
      set_series_colour(cr, k);
      const double h = series[k].y[c] / y1 * ph;
      cairo_rectangle(cr, left + slot * static_cast<double>(c) + 0.1 * slot + bar * static_cast<double>(k), top + ph - h,
                      bar, h);
      cairo_fill(cr);
    }
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_font_size(cr, 11);
    cairo_text_extents(cr, categories[c].c_str(), &ext);
    cairo_move_to(cr, left + slot * (static_cast<double>(c) + 0.5) + 4, top + ph + 8);
    cairo_rotate(cr, -M_PI / 4);
    cairo_rel_move_to(cr, -ext.width, 0);
    cairo_show_text(cr, categories[c].c_str());
    cairo_restore(cr);
  }
  draw_legend(cr, {left, top, pw, ph}, series, [&](size_t, double x, double y) {
    cairo_rectangle(cr, x, y - 10, kLegendSwatch, 10);
    cairo_fill(cr);
  });
  canvas.save(path);
}

}  // namespace hoif
