#pragma once
// BVH (Biovision hierarchy), the animation format Blender, Maya, MotionBuilder and Unity's importers
// read: a HIERARCHY of ROOT / JOINT / End Site with OFFSETs, then MOTION, one line per frame.
// hoif writes offsets and positions in centimetres, the root with six channels (Xposition
// Yposition Zposition Zrotation Xrotation Yrotation), every other joint with three rotation
// channels in degrees (R = Rz Rx Ry, continuous across frames), and each leaf an End Site a quarter
// of its bone beyond it. Frame and rest pose: geometry/motion.h.
#include <string>

#include "hoif/geometry/motion.h"

namespace hoif {

void write_bvh(const std::string& path, const Motion& motion);
// Reads what write_bvh writes (and BVH files of the same channel layout); a clear error naming the
// file for anything else.
Motion read_bvh(const std::string& path);

}  // namespace hoif
