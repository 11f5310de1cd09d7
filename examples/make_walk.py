"""Writes examples/walk_h36m16.csv: a synthetic 2D sequence for the README's main job.

A procedural walk (no dataset frames, nothing recorded): a 16-joint skeleton with bone lengths
typical of an adult, legs and arms swinging with a sinusoidal gait, walking across the view and
turning slightly, projected by a pinhole camera (focal length 1145 px like Human3.6M's, 1000 x 1000
image, 5 m away, 1 m above the floor, level). 3 s at 50 fps. Joint order: h36m16 (docs/LIFTING.md).

  /usr/bin/python3 examples/make_walk.py
"""
import os

import numpy as np

FPS, SECONDS = 50, 3.0
NAMES = ['Hip', 'RHip', 'RKnee', 'RFoot', 'LHip', 'LKnee', 'LFoot', 'Spine', 'Thorax', 'Head',
         'LShoulder', 'LElbow', 'LWrist', 'RShoulder', 'RElbow', 'RWrist']


def rot_x(a):  # rotation about the body's lateral (x) axis: swings in the sagittal plane
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def pose(t):
    """World coordinates (x right, y forward, z up), metres, facing +y, at time t."""
    phase = 2 * np.pi * 0.9 * t  # 0.9 strides per second
    hip = np.array([0.0, 0.0, 0.93 + 0.02 * np.cos(2 * phase)])
    down = np.array([0, 0, -1.0])
    joints = {'Hip': hip}
    for side, sign, ph in (('R', 1, 0.0), ('L', -1, np.pi)):
        swing = 0.45 * np.sin(phase + ph)                        # hip flexion
        knee = 0.55 * max(0.0, np.sin(phase + ph + 1.2)) + 0.05  # knee bends in the swing
        h = hip + np.array([0.13 * sign, 0, 0])
        k = h + rot_x(swing) @ down * 0.45
        f = k + rot_x(swing - knee) @ down * 0.44
        joints[side + 'Hip'], joints[side + 'Knee'], joints[side + 'Foot'] = h, k, f
    joints['Spine'] = hip + np.array([0, 0.02, 0.24])
    joints['Thorax'] = hip + np.array([0, 0.03, 0.49])
    joints['Head'] = hip + np.array([0, 0.05, 0.75])
    for side, sign, ph in (('R', 1, np.pi), ('L', -1, 0.0)):
        arm = 0.35 * np.sin(phase + ph)
        s = joints['Thorax'] + np.array([0.17 * sign, 0, -0.03])
        e = s + rot_x(arm) @ down * 0.28
        w = e + rot_x(arm + 0.25 + 0.2 * np.sin(phase + ph)) @ down * 0.25
        joints[side + 'Shoulder'], joints[side + 'Elbow'], joints[side + 'Wrist'] = s, e, w
    return np.stack([joints[n] for n in NAMES])


def main():
    f, width, height = 1145.0, 1000, 1000
    rows = []
    for i in range(int(FPS * SECONDS)):
        t = i / FPS
        p = pose(t)
        heading = 0.6 * np.sin(2 * np.pi * t / SECONDS)  # turn a little while walking
        c, s = np.cos(heading), np.sin(heading)
        p = p @ np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]])
        p[:, 0] += -1.2 + 0.8 * t  # walk across the view
        # Camera 5 m back along -y, 1 m up, looking along +y: camera x = world x,
        # camera y = -(world z - 1), camera z = world y + 5.
        cam = np.stack([p[:, 0], -(p[:, 2] - 1.0), p[:, 1] + 5.0], axis=1)
        u = f * cam[:, 0] / cam[:, 2] + width / 2
        v = f * cam[:, 1] / cam[:, 2] + height / 2
        rows.append(np.stack([u, v], axis=1).reshape(-1))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'walk_h36m16.csv')
    header = ','.join('%s_x,%s_y' % (n, n) for n in NAMES)
    np.savetxt(out, np.array(rows), fmt='%.2f', delimiter=',', header=header, comments='')
    print('%s: %d frames of %d joints' % (out, len(rows), len(NAMES)))


if __name__ == '__main__':
    main()
