#pragma once
// 2D keypoint sources for Human3.6M: ground truth projected from the mocap, and detections.
#include "hoif/data/archive.h"
#include "hoif/data/videopose3d.h"

namespace hoif {

// Ground-truth 2D in pixels for every take and camera: the mocap projected with the full
// distortion model, in the 17-joint (VideoPose3D, layout "h36m") or 16-joint (SemGCN, HGCN,
// HOIF-Net, layout "h36m16") order.
Keypoints2D project_ground_truth(const Mocap& mocap, int num_joints);

// The archive's Stacked Hourglass detections (MPII-pretrained), mapped from MPII order to the
// 16-joint order, for the takes of `mocap` (a take absent from the mocap is still included
// when its detection files exist, so nothing is lost on export).
Keypoints2D archive_detections(const H36mArchive& archive);

}  // namespace hoif
