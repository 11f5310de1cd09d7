#include "hoif/data/data_source.h"

#include <filesystem>

#include "hoif/core/error.h"
#include "hoif/data/h36m.h"
#include "hoif/data/keypoints.h"

namespace hoif {

namespace fs = std::filesystem;

H36mData::~H36mData() = default;

H36mData::H36mData(const std::string& path) : path_(path) {
  if (!fs::exists(path)) fail(path, "no such file or folder");
  if (H36mArchive::looks_like_archive(path)) {
    archive_ = std::make_unique<H36mArchive>(path);
    mocap_ = archive_->load_mocap();
    return;
  }
  const fs::path dir(path);
  const fs::path positions = dir / "data_3d_h36m.npz";
  if (!fs::is_directory(dir) || !fs::exists(positions))
    fail(path, "neither the Human3.6M archive (S*/MyPoses/...) nor a folder with data_3d_h36m.npz");
  mocap_.source = path;
  for (auto& [subject, takes] : read_positions_3d(positions.string()))
    for (auto& [take, poses] : takes)
      if (!is_excluded_take(subject, take)) mocap_.positions[subject][take] = std::move(poses);
  if (fs::exists(dir / "cameras.json")) {
    mocap_.cameras = read_cameras_json((dir / "cameras.json").string());
  } else if (fs::exists(dir / "cameras.h5")) {
    mocap_.cameras = H36mArchive(path).cameras();
  } else {
    fail(path, "no camera calibration (cameras.json from `hoif prepare-data`, or the archive's cameras.h5)");
  }
  for (const auto& [subject, takes] : mocap_.positions)
    if (!mocap_.cameras.count(subject)) fail((dir / "cameras.json").string(), "has no cameras for " + subject);
}

std::string H36mData::keypoints_file(const std::string& source) const {
  if (source == "gt" || source == "gt17") return "";
  if (source.size() > 4 && source.compare(source.size() - 4, 4, ".npz") == 0) return source;
  // Detection files sit in the data folder (beside the zip when --data names the zip).
  const fs::path folder = fs::is_directory(path_) ? fs::path(path_) : fs::path(path_).parent_path();
  const fs::path candidate = folder / ("data_2d_h36m_" + source + ".npz");
  if (source == "sh_pt_mpii" && archive_ && !fs::exists(candidate)) return "";
  return candidate.string();
}

Keypoints2D H36mData::keypoints(const std::string& source) const {
  if (source == "gt") return project_ground_truth(mocap_, 16);
  if (source == "gt17") return project_ground_truth(mocap_, 17);
  const std::string file = keypoints_file(source);
  if (file.empty()) return archive_detections(*archive_);
  if (!fs::exists(file))
    fail(file, "no such file (keypoint source '" + source + "'; use gt, gt17, sh_pt_mpii, or put data_2d_h36m_" +
                   source + ".npz in the data folder)");
  return read_keypoints_2d(file);
}

}  // namespace hoif
