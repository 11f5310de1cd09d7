"""Imports a BVH file with Blender's own importer (headless) and writes every joint's world-space
position per frame as JSON: an independent reader for hoif's BVH files (tests/unit/test_motion.cpp).

Usage: blender -b --factory-startup --python bvh_joint_positions.py -- in.bvh out.json
Blender's importer turns BVH's Y-up into Blender's Z-up: a BVH point (x, y, z) lands at (x, -z, y),
in the file's units (hoif writes centimetres).
"""
import builtins
import json
import sys

import bpy

# Blender 3.4's importer opens files with mode 'rU', which Python 3.11 refuses.
_open = builtins.open
builtins.open = lambda file, mode="r", *args, **kwargs: _open(file, mode.replace("U", ""), *args, **kwargs)

bvh, out = sys.argv[sys.argv.index("--") + 1:][:2]
bpy.ops.import_anim.bvh(filepath=bvh, update_scene_fps=True, update_scene_duration=True)
armature = next(o for o in bpy.context.scene.objects if o.type == "ARMATURE")
scene = bpy.context.scene
with open(bvh) as f:
    count = next(int(line.split()[1]) for line in f if line.startswith("Frames:"))
frames = []
for frame in range(scene.frame_start, scene.frame_start + count):
    scene.frame_set(frame)
    frames.append({b.name: list(armature.matrix_world @ b.head) for b in armature.pose.bones})
with open(out, "w") as f:
    json.dump({"fps": scene.render.fps / scene.render.fps_base, "frames": frames}, f)
