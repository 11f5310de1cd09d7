// Lifts one 2D pose with a trained model through the public API:
//   build/examples/lift_one_pose models/hoif_gt.ckpt
#include <cstdio>

#include <hoif/hoif.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL.ckpt\n", argv[0]);
    return 2;
  }
  try {
    const hoif::Lifter lifter(argv[1]);
    // A person standing in the middle of a 1000 x 1000 image, in H3.6M's 16-joint order:
    // Hip, RHip, RKnee, RFoot, LHip, LKnee, LFoot, Spine, Thorax, Head, LShoulder, LElbow,
    // LWrist, RShoulder, RElbow, RWrist.
    const std::vector<hoif::Point2> standing = {
        {500, 500}, {470, 500}, {470, 620}, {470, 740}, {530, 500}, {530, 620}, {530, 740}, {500, 440},
        {500, 380}, {500, 320}, {545, 390}, {560, 450}, {565, 505}, {455, 390}, {440, 450}, {435, 505}};
    if (lifter.num_joints() != 16) {
      std::fprintf(stderr, "this example holds a 16-joint pose; %s takes %d joints\n", argv[1], lifter.num_joints());
      return 1;
    }
    const std::vector<hoif::Point3> pose = lifter.lift(standing, 1000, 1000);
    std::printf("%s lifted %zu joints (camera frame, metres, root-relative):\n", lifter.model_name().c_str(), pose.size());
    for (size_t j = 0; j < pose.size(); ++j)
      std::printf("  %-10s % .3f % .3f % .3f\n", lifter.joint_names()[j].c_str(), pose[j][0], pose[j][1], pose[j][2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
