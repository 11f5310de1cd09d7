#pragma once
// Opens what `--data` names: the Human3.6M archive (folder or zip, no prepare step needed), or a
// folder of prepared VideoPose3D-layout npz files with their cameras.json.
#include <memory>
#include <string>
#include <vector>

#include "hoif/data/archive.h"
#include "hoif/data/videopose3d.h"

namespace hoif {

class H36mData {
 public:
  explicit H36mData(const std::string& path);
  ~H36mData();

  const std::string& path() const { return path_; }
  bool from_archive() const { return archive_ != nullptr; }
  const Mocap& mocap() const { return mocap_; }

  // 2D keypoints by source name:
  //   gt          16-joint ground truth projected from the mocap (SemGCN, HGCN, HOIF-Net)
  //   gt17        17-joint ground truth (VideoPose3D's joint set)
  //   sh_pt_mpii  Stacked Hourglass detections (the archive's, or data_2d_h36m_sh_pt_mpii.npz)
  //   <name>      data_2d_h36m_<name>.npz in the data folder, e.g. cpn_ft_h36m_dbb
  //   <path.npz>  any VideoPose3D-layout 2D file
  Keypoints2D keypoints(const std::string& source) const;
  // The file a named detection source is read from ("" for gt and archive detections).
  std::string keypoints_file(const std::string& source) const;

 private:
  std::string path_;
  std::unique_ptr<H36mArchive> archive_;
  Mocap mocap_;
};

}  // namespace hoif
