#pragma once
// The 3D side of Human3.6M held in memory: world-frame mocap per take and each subject's cameras.
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hoif/core/array.h"
#include "hoif/geometry/camera.h"

namespace hoif {

using CameraRig = std::array<Camera, 4>;
using TakeId = std::pair<std::string, std::string>;  // (subject, take)

struct Mocap {
  std::string source;                        // the path it was read from
  std::map<std::string, CameraRig> cameras;  // by subject
  // subject -> take -> (N, 32, 3) world coordinates in metres, 50 fps.
  std::map<std::string, std::map<std::string, ArrayF>> positions;

  bool has(const std::string& subject, const std::string& take) const;
  const ArrayF& take(const std::string& subject, const std::string& take) const;
  const CameraRig& rig(const std::string& subject) const;
  // Takes of the archive's canonical list that are not here (the S11 "Directions" exclusion
  // is not counted as absent).
  std::vector<TakeId> absent_takes() const;
};

}  // namespace hoif
