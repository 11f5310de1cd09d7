#pragma once
// glTF 2.0 binary (.glb), the format of three.js, Babylon, Godot, Unity's glTFast and Blender's
// glTF importer: the motion as a node hierarchy (one node per joint, named as the model's joints,
// its rest offset as translation, metres, Y up, as geometry/motion.h) and one animation whose
// channels are each joint's rotation (unit quaternions) and the root's translation, one key per
// frame. No mesh and no skin: a skeleton animation that tools show as a tree of empties/bones.
// Written and read with tinygltf (Debian's libtinygltf-dev).
#include <string>

#include "hoif/geometry/motion.h"

namespace hoif {

void write_glb(const std::string& path, const Motion& motion);
// Reads what write_glb writes (the first animation, sampled at its keys); a clear error naming
// the file for anything else.
Motion read_glb(const std::string& path);

}  // namespace hoif
