#pragma once
// The figure of the original viz.py, one frame at a time: the 2D input (over black or a video
// frame), then 3D poses (prediction, ground truth) turned back to world orientation with the
// lowest joint on a floor grid, seen from the camera's azimuth at 15° elevation, equal aspect;
// right limbs in one colour, left in another, joints marked, titles, and a caption.
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "hoif/core/image.h"
#include "hoif/geometry/skeleton.h"

struct _cairo;  // cairo_t, declared here so that this header needs no cairo

namespace hoif {

struct View3d {
  double azimuth_deg = 70.0;   // the camera's azimuth, as viz.py: 70, -70, 110, -110 for cameras 0..3
  double elevation_deg = 15.0;
  double radius = 1.7;  // metres: the cube shown is radius wide and high
};

struct FigureFrame {
  // (J, 2) keypoints in the pixels of an image_width x image_height camera image; empty: no 2D panel.
  std::vector<Eigen::Vector2d> keypoints_2d;
  int image_width = 1000, image_height = 1000;
  const RgbImage* background = nullptr;  // a video frame behind the 2D panel, scaled to it
  // Titled 3D poses in world orientation (z up), metres; placed on the floor by the renderer.
  std::vector<std::pair<std::string, std::vector<Eigen::Vector3d>>> poses_3d;
  std::string caption;  // under the figure, e.g. the frame's MPJPE
};

class FigureRenderer {
 public:
  // panel_px: the side of each square panel (viz.py's --size 3 at 100 dpi is 300).
  FigureRenderer(const Skeleton& skeleton, int panel_px, View3d view);
  // Draws the frame (panels side by side); the image size follows the panels present, rounded
  // to even numbers (as H.264 needs).
  RgbImage render(const FigureFrame& frame) const;

  // Where a world point (metres, already on the floor) lands in a 3D panel's pixels.
  Eigen::Vector2d project(const Eigen::Vector3d& world, const Eigen::Vector3d& centre) const;
  // Where a 2D keypoint lands in the 2D panel, for an image of the given size.
  Eigen::Vector2d image_to_panel(const Eigen::Vector2d& pixel, int image_width, int image_height) const;

  static constexpr int kTitleHeight = 28, kCaptionHeight = 24;

 private:
  void draw_input(_cairo* cr, const FigureFrame& frame, double line, double dot) const;
  void draw_pose(_cairo* cr, const std::string& title, const std::vector<Eigen::Vector3d>& pose, int slot, double line,
                 double dot) const;

  const Skeleton& skeleton_;
  int panel_;
  View3d view_;
};

// One PNG, written atomically.
void write_png(const std::string& path, const RgbImage& image);

// The pose on the floor: shifted so that its lowest joint has z = 0 (viz.py does the same).
std::vector<Eigen::Vector3d> on_floor(std::vector<Eigen::Vector3d> pose);

}  // namespace hoif
