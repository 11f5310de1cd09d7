#include "hoif/data/layouts.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "hoif/core/error.h"
#include "hoif/geometry/skeleton.h"

namespace hoif {

namespace {

const std::vector<std::string> kCoco17 = {"nose",          "left_eye",       "right_eye",  "left_ear",    "right_ear",
                                          "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
                                          "right_wrist",   "left_hip",       "right_hip",  "left_knee",   "right_knee",
                                          "left_ankle",    "right_ankle"};
const std::vector<std::string> kOpenPose25 = {
    "Nose",   "Neck",  "RShoulder", "RElbow", "RWrist",  "LShoulder", "LElbow",    "LWrist", "MidHip",
    "RHip",   "RKnee", "RAnkle",    "LHip",   "LKnee",   "LAnkle",    "REye",      "LEye",   "REar",
    "LEar",   "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel"};
const std::vector<std::string> kMpii16 = {"r_ankle", "r_knee",  "r_hip",    "l_hip",      "l_knee",     "l_ankle",
                                          "pelvis",  "thorax",  "upper_neck", "head_top", "r_wrist",    "r_elbow",
                                          "r_shoulder", "l_shoulder", "l_elbow", "l_wrist"};

using Rules = std::map<std::string, std::vector<std::string>>;

// For each of the 17 H3.6M joints, the source joints averaged into it.
const Rules& rules_of(KeypointLayout layout) {
  static const Rules coco = {
      {"Hip", {"left_hip", "right_hip"}},
      {"RHip", {"right_hip"}},
      {"RKnee", {"right_knee"}},
      {"RFoot", {"right_ankle"}},
      {"LHip", {"left_hip"}},
      {"LKnee", {"left_knee"}},
      {"LFoot", {"left_ankle"}},
      // Midway between the pelvis and the thorax: the mean of the four hip and shoulder points.
      {"Spine", {"left_hip", "right_hip", "left_shoulder", "right_shoulder"}},
      {"Thorax", {"left_shoulder", "right_shoulder"}},
      {"Neck/Nose", {"nose"}},
      {"Head", {"left_eye", "right_eye"}},  // MMPose's COCO -> H3.6M rule
      {"LShoulder", {"left_shoulder"}},
      {"LElbow", {"left_elbow"}},
      {"LWrist", {"left_wrist"}},
      {"RShoulder", {"right_shoulder"}},
      {"RElbow", {"right_elbow"}},
      {"RWrist", {"right_wrist"}}};
  static const Rules openpose = {
      {"Hip", {"MidHip"}},       {"RHip", {"RHip"}},         {"RKnee", {"RKnee"}},
      {"RFoot", {"RAnkle"}},     {"LHip", {"LHip"}},         {"LKnee", {"LKnee"}},
      {"LFoot", {"LAnkle"}},     {"Spine", {"MidHip", "Neck"}}, {"Thorax", {"Neck"}},
      {"Neck/Nose", {"Nose"}},   {"Head", {"REye", "LEye"}}, {"LShoulder", {"LShoulder"}},
      {"LElbow", {"LElbow"}},    {"LWrist", {"LWrist"}},     {"RShoulder", {"RShoulder"}},
      {"RElbow", {"RElbow"}},    {"RWrist", {"RWrist"}}};
  // The convention of the archive's Stacked Hourglass detections (3d-pose-baseline): MPII's
  // thorax is H3.6M's spine, its upper neck the thorax, its head top the head.
  static const Rules mpii = {
      {"Hip", {"pelvis"}},        {"RHip", {"r_hip"}},        {"RKnee", {"r_knee"}},
      {"RFoot", {"r_ankle"}},     {"LHip", {"l_hip"}},        {"LKnee", {"l_knee"}},
      {"LFoot", {"l_ankle"}},     {"Spine", {"thorax"}},      {"Thorax", {"upper_neck"}},
      {"Neck/Nose", {"upper_neck", "head_top"}}, {"Head", {"head_top"}}, {"LShoulder", {"l_shoulder"}},
      {"LElbow", {"l_elbow"}},    {"LWrist", {"l_wrist"}},    {"RShoulder", {"r_shoulder"}},
      {"RElbow", {"r_elbow"}},    {"RWrist", {"r_wrist"}}};
  static const Rules h36m17 = [] {
    Rules r;
    for (const auto& n : h36m_skeleton17().names) r[n] = {n};
    return r;
  }();
  static const Rules h36m16 = [] {
    Rules r;
    for (const auto& n : h36m_skeleton16().names) r[n] = {n};
    r["Neck/Nose"] = {"Thorax", "Head"};
    return r;
  }();
  switch (layout) {
    case KeypointLayout::coco17: return coco;
    case KeypointLayout::openpose25: return openpose;
    case KeypointLayout::mpii16: return mpii;
    case KeypointLayout::h36m17: return h36m17;
    case KeypointLayout::h36m16: return h36m16;
  }
  return h36m17;
}

}  // namespace

KeypointLayout parse_layout(const std::string& name) {
  for (auto l : {KeypointLayout::h36m16, KeypointLayout::h36m17, KeypointLayout::coco17, KeypointLayout::openpose25,
                 KeypointLayout::mpii16})
    if (layout_name(l) == name) return l;
  fail("--format", "unknown keypoint layout '" + name + "' (h36m16, h36m17, coco17, openpose25, mpii16)");
}

std::string layout_name(KeypointLayout layout) {
  switch (layout) {
    case KeypointLayout::h36m16: return "h36m16";
    case KeypointLayout::h36m17: return "h36m17";
    case KeypointLayout::coco17: return "coco17";
    case KeypointLayout::openpose25: return "openpose25";
    case KeypointLayout::mpii16: return "mpii16";
  }
  return "?";
}

const std::vector<std::string>& layout_joint_names(KeypointLayout layout) {
  switch (layout) {
    case KeypointLayout::h36m16: return h36m_skeleton16().names;
    case KeypointLayout::h36m17: return h36m_skeleton17().names;
    case KeypointLayout::coco17: return kCoco17;
    case KeypointLayout::openpose25: return kOpenPose25;
    case KeypointLayout::mpii16: return kMpii16;
  }
  return kCoco17;
}

std::vector<std::vector<int>> h36m_rules(KeypointLayout layout, int target_joints) {
  const Skeleton& target = h36m_skeleton_for(target_joints, "the model");
  const auto& names = layout_joint_names(layout);
  const Rules& rules = rules_of(layout);
  std::vector<std::vector<int>> out;
  for (const auto& joint : target.names) {
    std::vector<int> sources;
    for (const auto& s : rules.at(joint))
      sources.push_back(static_cast<int>(std::find(names.begin(), names.end(), s) - names.begin()));
    out.push_back(sources);
  }
  return out;
}

ArrayF map_to_h36m(const ArrayF& keypoints, KeypointLayout layout, int target_joints) {
  const auto J = static_cast<int64_t>(layout_joint_names(layout).size());
  if (keypoints.ndim() != 3 || keypoints.dim(1) != J || keypoints.dim(2) != 3)
    fail("keypoints", "expected (N, " + std::to_string(J) + ", 3) for layout " + layout_name(layout));
  const auto rules = h36m_rules(layout, target_joints);
  const int64_t N = keypoints.dim(0), T = target_joints;
  ArrayF out({N, T, 3});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t t = 0; t < T; ++t) {
      const auto& sources = rules[static_cast<size_t>(t)];
      float x = 0, y = 0, c = 1e30f;
      for (const int s : sources) {
        const float* k = &keypoints.values[static_cast<size_t>((n * J + s) * 3)];
        x += k[0];
        y += k[1];
        c = std::isnan(k[2]) ? k[2] : std::min(c, k[2]);  // an unknown confidence stays unknown
      }
      float* o = &out.values[static_cast<size_t>((n * T + t) * 3)];
      o[0] = x / static_cast<float>(sources.size());
      o[1] = y / static_cast<float>(sources.size());
      o[2] = c;
    }
  return out;
}

}  // namespace hoif
