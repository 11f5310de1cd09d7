#!/usr/bin/env python3
"""How steady lifted 3D poses are over a video (docs/LIFTING.md, "Smoothing"): for each npz that
`hoif lift` wrote, the jitter (mean per-joint distance between consecutive frames, mm) and the
bone-length stability (coefficient of variation of each bone's length over the frames, mean over
the 15 bones, %). Frames where the person was lost are left out of neither.

  scripts/steadiness.py out/clip_raw.npz out/clip_smooth.npz
"""
import sys

import numpy as np

# The 16-joint skeleton of hoif's models (joint_names in the npz): child -> parent.
BONES = {"RHip": "Hip", "RKnee": "RHip", "RFoot": "RKnee", "LHip": "Hip", "LKnee": "LHip", "LFoot": "LKnee",
         "Spine": "Hip", "Thorax": "Spine", "Head": "Thorax", "LShoulder": "Thorax", "LElbow": "LShoulder",
         "LWrist": "LElbow", "RShoulder": "Thorax", "RElbow": "RShoulder", "RWrist": "RElbow"}


def steadiness(path):
    z = np.load(path, allow_pickle=False)
    poses = z["poses_3d"].astype(np.float64) * 1000.0  # mm
    names = [str(n) for n in z["joint_names"]]
    order = np.argsort(z["frame"], kind="stable")
    poses = poses[order]
    jitter = np.linalg.norm(np.diff(poses, axis=0), axis=2).mean()
    cvs = []
    for child, parent in BONES.items():
        if child in names and parent in names:
            length = np.linalg.norm(poses[:, names.index(child)] - poses[:, names.index(parent)], axis=1)
            cvs.append(length.std() / length.mean())
    return len(poses), jitter, 100.0 * float(np.mean(cvs))


print("file,frames,jitter_mm,bone_length_cv_percent")
for path in sys.argv[1:]:
    frames, jitter, cv = steadiness(path)
    print(f"{path},{frames},{jitter:.2f},{cv:.2f}")
