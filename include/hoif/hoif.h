#pragma once
// hoif's public API: find a person's 2D keypoints in an image, lift 2D poses to 3D.
//
//   hoif::Detector detector("models/detector/movenet-thunder.json");
//   hoif::Detection found = detector.detect(rgb, width, height);  // COCO-17, pixels, scores
//   hoif::Lifter lifter("models/hoif_gt.ckpt");
//   std::vector<hoif::Point3> pose = lifter.lift(keypoints, 1000, 1002);  // H3.6M joint order
//
// Keypoints are pixels of a width x height image in the model's H3.6M joint order
// (joint_names()); poses are camera-frame metres (x right, y down, z forward), root-relative.
// A Lifter may be shared by several threads. Errors throw hoif::Error (a std::runtime_error)
// whose message names the file or argument and the problem.
#include <array>
#include <memory>
#include <string>
#include <vector>

namespace hoif {

using Point2 = std::array<float, 2>;
using Point3 = std::array<float, 3>;

// MoveNet SinglePose (Lightning or Thunder, TensorFlow.js graph files fetched by
// scripts/get_detector.sh): the 17 COCO keypoints (nose, eyes, ears, shoulders, elbows, wrists,
// hips, knees, ankles; left before right) of the one person in an image. A Detector may be
// shared by several threads.
struct Detection {
  std::vector<Point2> points;  // 17, pixels of the image
  std::vector<float> scores;   // 17, the detector's confidence 0..1
};

class Detector {
 public:
  explicit Detector(const std::string& model_json);
  ~Detector();
  Detector(Detector&&) noexcept;
  Detector& operator=(Detector&&) noexcept;

  // An RGB image, 3 bytes per pixel, rows top to bottom without padding. The whole image is
  // looked at (padded to a square); for video, the command-line tool also tracks the person.
  Detection detect(const unsigned char* rgb, int width, int height) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Lifter {
 public:
  // A checkpoint written by `hoif train` or `hoif import-weights`; device "cpu", "cuda", "cuda:1".
  explicit Lifter(const std::string& checkpoint, const std::string& device = "cpu");
  ~Lifter();
  Lifter(Lifter&&) noexcept;
  Lifter& operator=(Lifter&&) noexcept;

  const std::string& model_name() const;          // martinez | semgcn | semgcn-nonlocal | hgcn | hoif
  int num_joints() const;                          // 16 or 17
  const std::vector<std::string>& joint_names() const;

  // One pose of num_joints() points.
  std::vector<Point3> lift(const std::vector<Point2>& keypoints, int width, int height, bool flip = false) const;
  // A Detector's COCO-17 keypoints, mapped to the model's joints as `hoif lift --format coco17`
  // does (docs/LIFTING.md); joints below the detector's confidence keep its estimate.
  std::vector<Point3> lift(const Detection& coco17, int width, int height, bool flip = false) const;
  // Many poses: keypoints.size() must be a multiple of num_joints(); poses in the same order.
  std::vector<Point3> lift_batch(const std::vector<Point2>& keypoints, int width, int height, bool flip = false) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoif
