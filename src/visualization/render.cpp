#include "hoif/visualization/render.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"

namespace hoif {

namespace {

struct Rgb {
  double r, g, b;
};
constexpr Rgb kRight{0.90, 0.16, 0.12}, kLeft{0.12, 0.42, 0.95}, kCentreOnWhite{0.25, 0.25, 0.25},
    kCentreOnBlack{0.85, 0.85, 0.85};

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

enum class Side { left, right, centre };

Side side_of(const Skeleton& s, int joint) {
  if (std::find(s.joints_right.begin(), s.joints_right.end(), joint) != s.joints_right.end()) return Side::right;
  if (std::find(s.joints_left.begin(), s.joints_left.end(), joint) != s.joints_left.end()) return Side::left;
  return Side::centre;
}

void set_colour(cairo_t* cr, Rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

Rgb colour_of(Side side, bool on_black) {
  return side == Side::right ? kRight : side == Side::left ? kLeft : on_black ? kCentreOnBlack : kCentreOnWhite;
}

void centred_text(cairo_t* cr, const std::string& text, double cx, double cy, double size, Rgb colour) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr, text.c_str(), &e);
  set_colour(cr, colour);
  cairo_move_to(cr, cx - e.width / 2 - e.x_bearing, cy - e.height / 2 - e.y_bearing);
  cairo_show_text(cr, text.c_str());
}

// A cairo surface holding an RGB image, for painting it scaled.
Surface surface_of(const RgbImage& image) {
  Surface s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, image.width, image.height), cairo_surface_destroy);
  cairo_surface_flush(s.get());
  unsigned char* data = cairo_image_surface_get_data(s.get());
  const int stride = cairo_image_surface_get_stride(s.get());
  for (int y = 0; y < image.height; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(y) * stride);
    for (int x = 0; x < image.width; ++x) {
      const uint8_t* p = image.at(x, y);
      row[x] = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
    }
  }
  cairo_surface_mark_dirty(s.get());
  return s;
}

}  // namespace

void write_png(const std::string& path, const RgbImage& image) {
  const Surface s = surface_of(image);
  write_atomically(path, [&](const std::filesystem::path& tmp) {
    const cairo_status_t status = cairo_surface_write_to_png(s.get(), tmp.c_str());
    if (status != CAIRO_STATUS_SUCCESS) fail(path, std::string("cannot write PNG: ") + cairo_status_to_string(status));
  });
}

std::vector<Eigen::Vector3d> on_floor(std::vector<Eigen::Vector3d> pose) {
  double lowest = INFINITY;
  for (const auto& p : pose) lowest = std::min(lowest, p.z());
  for (auto& p : pose) p.z() -= lowest;
  return pose;
}

FigureRenderer::FigureRenderer(const Skeleton& skeleton, int panel_px, View3d view)
    : skeleton_(skeleton), panel_(panel_px), view_(view) {}

Eigen::Vector2d FigureRenderer::project(const Eigen::Vector3d& world, const Eigen::Vector3d& centre) const {
  // Orthographic view from azimuth a (about z, from +x) and elevation e, as matplotlib's 3D axes.
  const double a = view_.azimuth_deg * std::numbers::pi / 180, e = view_.elevation_deg * std::numbers::pi / 180;
  const Eigen::Vector3d right(-std::sin(a), std::cos(a), 0.0);
  const Eigen::Vector3d up(-std::sin(e) * std::cos(a), -std::sin(e) * std::sin(a), std::cos(e));
  const Eigen::Vector3d d = world - centre;
  // The radius-wide cube seen from any azimuth fits the panel at this scale.
  const double scale = 0.62 * panel_ / view_.radius;
  return {panel_ / 2.0 + scale * d.dot(right), panel_ / 2.0 - scale * d.dot(up)};
}

Eigen::Vector2d FigureRenderer::image_to_panel(const Eigen::Vector2d& pixel, int image_width, int image_height) const {
  const double scale = static_cast<double>(panel_) / std::max(image_width, image_height);
  const double ox = (panel_ - scale * image_width) / 2, oy = (panel_ - scale * image_height) / 2;
  return {ox + scale * pixel.x(), oy + scale * pixel.y()};
}

namespace {

// The limbs between `points` (panel pixels), then the joints, coloured by side.
void draw_skeleton(cairo_t* cr, const Skeleton& skeleton, const std::vector<std::pair<int, int>>& edges,
                   const std::vector<Eigen::Vector2d>& points, bool input, double line, double dot) {
  cairo_set_line_width(cr, line);
  for (const auto& [child, parent] : edges) {
    const auto &a = points[static_cast<size_t>(child)], &b = points[static_cast<size_t>(parent)];
    set_colour(cr, colour_of(side_of(skeleton, child), input));
    cairo_move_to(cr, a.x(), a.y());
    cairo_line_to(cr, b.x(), b.y());
    cairo_stroke(cr);
  }
  for (size_t j = 0; j < points.size(); ++j) {
    set_colour(cr, colour_of(side_of(skeleton, static_cast<int>(j)), input));
    cairo_arc(cr, points[j].x(), points[j].y(), dot, 0, 2 * std::numbers::pi);
    cairo_fill(cr);
  }
}

// The surface's pixels as an RgbImage (the inverse of surface_of).
RgbImage rgb_of(cairo_surface_t* surface) {
  cairo_surface_flush(surface);
  RgbImage out;
  out.width = cairo_image_surface_get_width(surface);
  out.height = cairo_image_surface_get_height(surface);
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * 3);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  for (int y = 0; y < out.height; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    uint8_t* dst = &out.pixels[static_cast<size_t>(y) * out.width * 3];
    for (int x = 0; x < out.width; ++x) {
      dst[3 * x] = static_cast<uint8_t>(row[x] >> 16);
      dst[3 * x + 1] = static_cast<uint8_t>(row[x] >> 8);
      dst[3 * x + 2] = static_cast<uint8_t>(row[x]);
    }
  }
  return out;
}

}  // namespace

// The input panel: the photo or video frame (if any) on black, the 2D keypoints over it.
void FigureRenderer::draw_input(cairo_t* cr, const FigureFrame& frame, double line, double dot) const {
  cairo_save(cr);
  cairo_translate(cr, 0, kTitleHeight);
  cairo_rectangle(cr, 0, 0, panel_, panel_);
  cairo_clip(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_paint(cr);
  if (frame.background) {
    const Surface bg = surface_of(*frame.background);
    const double scale = static_cast<double>(panel_) / std::max(frame.image_width, frame.image_height);
    const Eigen::Vector2d origin = image_to_panel({0, 0}, frame.image_width, frame.image_height);
    cairo_save(cr);
    cairo_translate(cr, origin.x(), origin.y());
    cairo_scale(cr, scale * frame.image_width / frame.background->width, scale * frame.image_height / frame.background->height);
    cairo_set_source_surface(cr, bg.get(), 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
  }
  std::vector<Eigen::Vector2d> points;
  for (const auto& k : frame.keypoints_2d) points.push_back(image_to_panel(k, frame.image_width, frame.image_height));
  draw_skeleton(cr, skeleton_, skeleton_.edges(), points, true, line, dot);
  cairo_restore(cr);
  centred_text(cr, "Input", panel_ / 2.0, kTitleHeight / 2.0, 15, {0, 0, 0});
}

// A 3D panel in column `slot`: the floor grid, then the bones far to near.
void FigureRenderer::draw_pose(cairo_t* cr, const std::string& title, const std::vector<Eigen::Vector3d>& raw_pose,
                               int slot, double line, double dot) const {
  const std::vector<Eigen::Vector3d> pose = on_floor(raw_pose);
  // The cube spans radius around the root in x and y and from the floor up to radius in z.
  const Eigen::Vector3d centre(pose[0].x(), pose[0].y(), view_.radius / 2);
  cairo_save(cr);
  cairo_translate(cr, slot * panel_, kTitleHeight);
  cairo_rectangle(cr, 0, 0, panel_, panel_);
  cairo_clip(cr);

  // Floor grid at z = 0.
  cairo_set_line_width(cr, 1.0);
  cairo_set_source_rgb(cr, 0.80, 0.80, 0.80);
  const double h = view_.radius / 2;
  for (int i = 0; i <= 6; ++i) {
    const double t = -h + i * view_.radius / 6;
    for (const auto& [p, q] : {std::pair{Eigen::Vector3d(centre.x() + t, centre.y() - h, 0), Eigen::Vector3d(centre.x() + t, centre.y() + h, 0)},
                               std::pair{Eigen::Vector3d(centre.x() - h, centre.y() + t, 0), Eigen::Vector3d(centre.x() + h, centre.y() + t, 0)}}) {
      const auto a = project(p, centre), b = project(q, centre);
      cairo_move_to(cr, a.x(), a.y());
      cairo_line_to(cr, b.x(), b.y());
    }
  }
  cairo_stroke(cr);

  // Bones far to near, so nearer limbs cover farther ones.
  const double az = view_.azimuth_deg * std::numbers::pi / 180, el = view_.elevation_deg * std::numbers::pi / 180;
  const Eigen::Vector3d towards_viewer(std::cos(el) * std::cos(az), std::cos(el) * std::sin(az), std::sin(el));
  std::vector<std::pair<int, int>> order = skeleton_.edges();
  std::sort(order.begin(), order.end(), [&](const auto& x, const auto& y) {
    const auto depth = [&](const auto& e) {
      return (pose[static_cast<size_t>(e.first)] + pose[static_cast<size_t>(e.second)]).dot(towards_viewer);
    };
    return depth(x) < depth(y);
  });
  std::vector<Eigen::Vector2d> points;
  for (const auto& p : pose) points.push_back(project(p, centre));
  draw_skeleton(cr, skeleton_, order, points, false, line, dot);
  cairo_restore(cr);
  centred_text(cr, title, slot * panel_ + panel_ / 2.0, kTitleHeight / 2.0, 15, {0, 0, 0});
}

RgbImage FigureRenderer::render(const FigureFrame& frame) const {
  const bool has_2d = !frame.keypoints_2d.empty() || frame.background;
  const int panels = static_cast<int>(frame.poses_3d.size()) + (has_2d ? 1 : 0);
  const int width = (std::max(1, panels) * panel_ + 1) / 2 * 2;
  const int height = (kTitleHeight + panel_ + kCaptionHeight + 1) / 2 * 2;
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height), cairo_surface_destroy);
  Context context(cairo_create(surface.get()), cairo_destroy);
  cairo_t* cr = context.get();
  cairo_set_antialias(cr, CAIRO_ANTIALIAS_BEST);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  const double line = std::max(1.5, panel_ / 110.0), dot = std::max(1.5, panel_ / 120.0);
  int slot = 0;
  if (has_2d) {
    draw_input(cr, frame, line, dot);
    ++slot;
  }
  for (const auto& [title, pose] : frame.poses_3d) draw_pose(cr, title, pose, slot++, line, dot);
  if (!frame.caption.empty())
    centred_text(cr, frame.caption, width / 2.0, kTitleHeight + panel_ + kCaptionHeight / 2.0, 13, {0, 0, 0});
  return rgb_of(surface.get());
}

}  // namespace hoif
