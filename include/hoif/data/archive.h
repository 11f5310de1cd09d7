#pragma once
// The 3d-pose-baseline archive layout (what h36m.zip unpacks to), read from the folder or
// straight from the zip:
//   S*/MyPoses/3D_positions/<take>.h5        '3D_positions' (96, N), world millimetres
//   S*/StackedHourglass/<take_>.<camera>.h5  'poses' (N, 16, 2), pixels, MPII joint order
//   cameras.h5                               subject<k>/camera<c>/{R, T, f, c, k, p, Name}
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "hoif/data/mocap.h"

namespace hoif {

class H5File;
class ZipReader;

class H36mArchive {
 public:
  // A folder holding S*/MyPoses (or an h36m/ folder that does), or the zip itself.
  explicit H36mArchive(const std::string& path);
  ~H36mArchive();

  // True when `path` is a zip or a folder in the archive layout.
  static bool looks_like_archive(const std::string& path);

  const std::string& path() const { return path_; }
  std::vector<std::string> subjects() const;
  std::vector<std::string> takes(const std::string& subject) const;
  ArrayF positions(const std::string& subject, const std::string& take) const;  // (N, 32, 3) metres
  std::map<std::string, CameraRig> cameras() const;
  bool has_detections(const std::string& subject, const std::string& take, int camera) const;
  ArrayF detections(const std::string& subject, const std::string& take, int camera) const;  // MPII order, pixels
  // Every take of every subject with its cameras, the S11 "Directions" exclusion applied.
  Mocap load_mocap() const;

 private:
  struct OpenFile;
  OpenFile open(const std::string& relative) const;
  std::string full_name(const std::string& relative) const;
  std::string path_;
  std::string prefix_;  // folder inside the zip or below path_ that holds S1/, S5/, ...
  std::unique_ptr<ZipReader> zip_;
  std::set<std::string> files_;  // relative to prefix_
};

}  // namespace hoif
