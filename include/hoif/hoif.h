#pragma once
// hoif's public API: load a trained model, lift 2D poses to 3D.
//
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
  // Many poses: keypoints.size() must be a multiple of num_joints(); poses in the same order.
  std::vector<Point3> lift_batch(const std::vector<Point2>& keypoints, int width, int height, bool flip = false) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoif
