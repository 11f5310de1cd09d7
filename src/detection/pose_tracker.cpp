#include "hoif/detection/pose_tracker.h"

#include <algorithm>
#include <cmath>

namespace hoif {

namespace {

constexpr int kLeftShoulder = 5, kRightShoulder = 6, kLeftHip = 11, kRightHip = 12;

}  // namespace

CropRegion whole_image_region(int width, int height) {
  CropRegion r;
  if (width > height) {
    const double box = static_cast<double>(width) / height;
    r.y_min = (height / 2.0 - width / 2.0) / height;
    r.y_max = r.y_min + box;
  } else {
    const double box = static_cast<double>(height) / width;
    r.x_min = (width / 2.0 - height / 2.0) / width;
    r.x_max = r.x_min + box;
  }
  return r;
}

bool torso_visible(const CocoPose& p) {
  const auto seen = [&](int j) { return p[j].score > kMinCropKeypointScore; };
  return (seen(kLeftHip) || seen(kRightHip)) && (seen(kLeftShoulder) || seen(kRightShoulder));
}

CropRegion next_crop_region(const CocoPose& p, int width, int height) {
  if (!torso_visible(p)) return whole_image_region(width, height);
  const double cx = (p[kLeftHip].x + p[kRightHip].x) / 2.0, cy = (p[kLeftHip].y + p[kRightHip].y) / 2.0;
  double torso_x = 0, torso_y = 0, body_x = 0, body_y = 0;
  for (int j : {kLeftShoulder, kRightShoulder, kLeftHip, kRightHip}) {
    torso_x = std::max(torso_x, std::abs(cx - p[j].x));
    torso_y = std::max(torso_y, std::abs(cy - p[j].y));
  }
  for (const Keypoint2D& k : p) {
    if (k.score <= kMinCropKeypointScore) continue;
    body_x = std::max(body_x, std::abs(cx - k.x));
    body_y = std::max(body_y, std::abs(cy - k.y));
  }
  double half = std::max({torso_x * 1.9, torso_y * 1.9, body_x * 1.2, body_y * 1.2});
  half = std::min(half, std::max({cx, width - cx, cy, height - cy}));
  if (half > std::max(width, height) / 2.0) return whole_image_region(width, height);
  return {(cy - half) / height, (cx - half) / width, (cy + half) / height, (cx + half) / width};
}

CocoPose PoseTracker::track(const RgbImage& frame) {
  if (!started_ || frame.width != width_ || frame.height != height_) {
    width_ = frame.width;
    height_ = frame.height;
    region_ = whole_image_region(width_, height_);
    started_ = true;
  }
  const CocoPose pose = detector_.detect(frame, region_);
  lost_ = !torso_visible(pose);
  region_ = next_crop_region(pose, width_, height_);
  return pose;
}

}  // namespace hoif
