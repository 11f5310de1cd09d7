// Camera geometry against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "hoif/geometry/camera.h"
#include "hoif/geometry/quaternion.h"

using namespace hoif;

TEST(Quaternion, QuarterTurnAboutZMapsXToY) {
  const Quaternion q(std::cos(M_PI / 4), 0, 0, std::sin(M_PI / 4));
  const Eigen::Vector3d v = quaternion_rotate(q, {1, 0, 0});
  EXPECT_NEAR(v[0], 0.0, 1e-12);
  EXPECT_NEAR(v[1], 1.0, 1e-12);
  EXPECT_NEAR(v[2], 0.0, 1e-12);
  const Eigen::Matrix3d r = rotation_from_quaternion(q);
  EXPECT_NEAR(r(0, 1), -1.0, 1e-12);
  EXPECT_NEAR(r(1, 0), 1.0, 1e-12);
}

TEST(Quaternion, MatrixRoundTripAndInverse) {
  const Quaternion q = Quaternion(0.1407, -0.1501, -0.7552, 0.6223).normalized();
  const Quaternion back = quaternion_from_rotation(rotation_from_quaternion(q));
  EXPECT_NEAR((back - q).norm(), 0.0, 1e-12);
  const Eigen::Vector3d v(0.3, -1.2, 2.5);
  const Eigen::Vector3d there_and_back = quaternion_rotate(quaternion_inverse(q), quaternion_rotate(q, v));
  EXPECT_NEAR((there_and_back - v).norm(), 0.0, 1e-12);
  EXPECT_NEAR((rotation_from_quaternion(q) * v - quaternion_rotate(q, v)).norm(), 0.0, 1e-12);
}

TEST(Camera, WorldToCameraIsRotationAboutTheCentre) {
  Camera cam;
  cam.R << 0, -1, 0, 1, 0, 0, 0, 0, 1;  // quarter turn about z
  cam.T = {1, 2, -5};
  // x_cam = R (x - T): (2, 2, 0) - T = (1, 0, 5) -> (0, 1, 5)
  const Eigen::Vector3d x = world_to_camera(cam, {2, 2, 0});
  EXPECT_NEAR((x - Eigen::Vector3d(0, 1, 5)).norm(), 0.0, 1e-12);
  EXPECT_NEAR((camera_to_world(cam, x) - Eigen::Vector3d(2, 2, 0)).norm(), 0.0, 1e-12);
  // The VideoPose3D orientation is the camera-to-world rotation: a quarter turn the other way.
  const Quaternion q = cam.orientation();
  EXPECT_NEAR(q[0], std::cos(M_PI / 4), 1e-12);
  EXPECT_NEAR(q[3], -std::sin(M_PI / 4), 1e-12);
}

TEST(Camera, PinholeProjection) {
  Camera cam;
  cam.f = {1000, 1000};
  cam.c = {500, 500};
  // (1, 2, 5): u = 0.2, v = 0.4 -> (700, 900)
  const Eigen::Vector2d px = project_to_pixels(cam, {1, 2, 5});
  EXPECT_NEAR(px[0], 700.0, 1e-9);
  EXPECT_NEAR(px[1], 900.0, 1e-9);
}

TEST(Camera, RadialDistortion) {
  Camera cam;
  cam.f = {1000, 1000};
  cam.c = {500, 500};
  cam.k = {0.1, 0.0, 0.0};
  // r2 = 0.2, factor 1.02: (0.204, 0.408) -> (704, 908)
  const Eigen::Vector2d px = project_to_pixels(cam, {1, 2, 5});
  EXPECT_NEAR(px[0], 704.0, 1e-9);
  EXPECT_NEAR(px[1], 908.0, 1e-9);
  cam.k = {0.1, 0.5, 2.0};
  // factor 1 + 0.1*0.2 + 0.5*0.04 + 2*0.008 = 1.056
  const Eigen::Vector2d px2 = project_to_pixels(cam, {1, 2, 5});
  EXPECT_NEAR(px2[0], 500 + 1000 * 0.2 * 1.056, 1e-9);
  EXPECT_NEAR(px2[1], 500 + 1000 * 0.4 * 1.056, 1e-9);
}

TEST(Camera, TangentialDistortionInArchiveOrder) {
  Camera cam;
  cam.f = {1000, 1000};
  cam.c = {500, 500};
  cam.p = {0.01, 0.02};
  // d = 1 + p1 v + p2 u = 1.008; u' = 0.2 d + p2 r2 = 0.2056; v' = 0.4 d + p1 r2 = 0.4052
  const Eigen::Vector2d px = project_to_pixels(cam, {1, 2, 5});
  EXPECT_NEAR(px[0], 705.6, 1e-9);
  EXPECT_NEAR(px[1], 905.2, 1e-9);
}

TEST(Camera, WidthNormalisationKeepsAspect) {
  const Eigen::Vector2d a = normalize_screen({0, 0}, 1000, 1002);
  EXPECT_DOUBLE_EQ(a[0], -1.0);
  EXPECT_DOUBLE_EQ(a[1], -1.002);
  const Eigen::Vector2d b = normalize_screen({1000, 1002}, 1000, 1002);
  EXPECT_DOUBLE_EQ(b[0], 1.0);
  EXPECT_DOUBLE_EQ(b[1], 1.002);
  const Eigen::Vector2d c = normalize_screen({250, 750}, 1000, 1000);
  EXPECT_DOUBLE_EQ(c[0], -0.5);
  EXPECT_DOUBLE_EQ(c[1], 0.5);
  const Eigen::Vector2d back = unnormalize_screen(normalize_screen({123.5, 877.25}, 1000, 1002), 1000, 1002);
  EXPECT_NEAR(back[0], 123.5, 1e-9);
  EXPECT_NEAR(back[1], 877.25, 1e-9);
}

TEST(Camera, H36mConstants) {
  const int expected[4][3] = {{1000, 1002, 70}, {1000, 1000, -70}, {1000, 1000, 110}, {1000, 1002, -110}};
  for (int c = 0; c < 4; ++c) {
    Camera cam;
    set_h36m_camera_constants(cam, c);
    EXPECT_EQ(cam.id, kH36mCameraIds[c]);
    EXPECT_EQ(cam.width, expected[c][0]);
    EXPECT_EQ(cam.height, expected[c][1]);
    EXPECT_EQ(cam.azimuth, expected[c][2]);
  }
}

TEST(Camera, BatchedFormsMatchSinglePoints) {
  Camera cam;
  cam.R << 0, -1, 0, 1, 0, 0, 0, 0, 1;
  cam.T = {0, 0, -4};
  cam.f = {1000, 1000};
  cam.c = {500, 500};
  ArrayF world({1, 2, 3});
  world.values = {0, 0, 0, 1, 0, 0};
  const ArrayF cam_frame = poses_world_to_camera(cam, world);
  // joint 1: (1, 0, 4) rotated -> (0, 1, 4); projected -> (500, 750)
  EXPECT_FLOAT_EQ(cam_frame.values[3], 0.0f);
  EXPECT_FLOAT_EQ(cam_frame.values[4], 1.0f);
  EXPECT_FLOAT_EQ(cam_frame.values[5], 4.0f);
  ArrayF px = poses_camera_to_pixels(cam, cam_frame);
  EXPECT_FLOAT_EQ(px.values[0], 500.0f);
  EXPECT_FLOAT_EQ(px.values[1], 500.0f);
  EXPECT_FLOAT_EQ(px.values[2], 500.0f);
  EXPECT_FLOAT_EQ(px.values[3], 750.0f);
  normalize_screen_inplace(px.data(), 2, 1000, 1000);
  EXPECT_FLOAT_EQ(px.values[3], 0.5f);
  // The same as normalize_screen, in float.
  EXPECT_FLOAT_EQ(px.values[2], static_cast<float>(normalize_screen({500, 750}, 1000, 1000).x()));
}
