#pragma once
// The VideoPose3D npz layout, read and written so that Python tools load hoif's files with
// numpy.load(path, allow_pickle=True) exactly like VideoPose3D's own:
//   data_3d_h36m.npz        'positions_3d': {subject: {take: (N, 32, 3) float32 world metres}}
//   data_2d_h36m_<name>.npz 'positions_2d': {subject: {take: [4 x (N, J, 2) float32 pixels]}}
//                           'metadata': {'layout_name', 'num_joints', 'keypoints_symmetry'}
#include <map>
#include <string>
#include <vector>

#include "hoif/core/array.h"
#include "hoif/data/mocap.h"
#include "hoif/io/zip.h"

namespace hoif {

using TakePoses = std::map<std::string, std::map<std::string, ArrayF>>;

struct Keypoints2D {
  std::string layout_name;  // "h36m" (17 joints), "h36m16", "mpii", "coco", ...
  int num_joints = 0;
  std::vector<int> joints_left, joints_right;
  // subject -> take -> one (N, J, 2) pixel array per camera (cameras in kH36mCameraIds order);
  // a camera without detections holds an empty array.
  std::map<std::string, std::map<std::string, std::vector<ArrayF>>> positions;
};

TakePoses read_positions_3d(const std::string& path);
void write_positions_3d(const std::string& path, const TakePoses& positions, Compression compression = Compression::fast);

Keypoints2D read_keypoints_2d(const std::string& path);
void write_keypoints_2d(const std::string& path, const Keypoints2D& keypoints,
                        Compression compression = Compression::fast);

// Camera calibration beside the npz files (VideoPose3D keeps it in code; hoif writes it out).
void write_cameras_json(const std::string& path, const std::map<std::string, CameraRig>& cameras);
std::map<std::string, CameraRig> read_cameras_json(const std::string& path);

}  // namespace hoif
