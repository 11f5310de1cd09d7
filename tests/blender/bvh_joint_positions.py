"""Imports a BVH or glTF binary file with Blender's own importers (headless) and writes every
joint's world-space position per frame as JSON: an independent reader for hoif's animation files
(tests/unit/test_motion.cpp).

Usage: blender -b --factory-startup --python bvh_joint_positions.py -- in.bvh|in.glb out.json FRAMES FPS
Blender turns Y-up into its Z-up: a point (x, y, z) of the file lands at (x, -z, y), in the file's
units (hoif's BVH: centimetres; glTF: metres). BVH joints become an armature's bones; glTF nodes
(no skin) become empties, keyed at frame time x FPS (from frame 0; BVH from frame 1).
"""
import builtins
import json
import sys

import bpy

# Blender 3.4's BVH importer opens files with mode 'rU', which Python 3.11 refuses.
_open = builtins.open
builtins.open = lambda file, mode="r", *args, **kwargs: _open(file, mode.replace("U", ""), *args, **kwargs)

path, out, count, fps = sys.argv[sys.argv.index("--") + 1:][:4]
scene = bpy.context.scene
scene.render.fps = int(float(fps))
if path.endswith(".bvh"):
    bpy.ops.import_anim.bvh(filepath=path, update_scene_fps=True, update_scene_duration=True)
    armature = next(o for o in scene.objects if o.type == "ARMATURE")
    position = lambda: {b.name: list(armature.matrix_world @ b.head) for b in armature.pose.bones}
    first = scene.frame_start
else:
    before = set(scene.objects)
    bpy.ops.import_scene.gltf(filepath=path)
    nodes = [o for o in scene.objects if o not in before]
    position = lambda: {o.name: list(o.matrix_world.translation) for o in nodes}
    first = 0
frames = []
for frame in range(first, first + int(count)):
    scene.frame_set(frame)
    frames.append(position())
with open(out, "w") as f:
    json.dump({"fps": scene.render.fps / scene.render.fps_base, "frames": frames}, f)
