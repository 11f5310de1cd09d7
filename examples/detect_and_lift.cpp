// From an image's pixels to a 3D pose through the public API: MoveNet finds the person's 17 COCO
// keypoints, the lifter maps them to its H3.6M joints and lifts them.
//   build/examples/detect_and_lift models/detector/movenet-thunder.json models/hoif_gt.ckpt
// The image here is synthetic (grey, no person), so the scores are low: give the detector
// your own decoded frames (RGB, 3 bytes per pixel).
#include <algorithm>
#include <cstdio>
#include <vector>

#include <hoif/hoif.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DETECTOR.json MODEL.ckpt\n", argv[0]);
    return 2;
  }
  try {
    const hoif::Detector detector(argv[1]);
    const hoif::Lifter lifter(argv[2]);
    const int width = 640, height = 480;
    const std::vector<unsigned char> grey(static_cast<size_t>(width) * height * 3, 128);
    const hoif::Detection found = detector.detect(grey.data(), width, height);
    std::printf("MoveNet: 17 keypoints, highest score %.3f\n", *std::max_element(found.scores.begin(), found.scores.end()));
    const std::vector<hoif::Point3> pose = lifter.lift(found, width, height);
    std::printf("%s lifted %zu joints (camera frame, metres, root-relative)\n", lifter.model_name().c_str(), pose.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
