// The renderer draws limbs where hand-computed geometry puts them, in the colour of their side.
#include <gtest/gtest.h>

#include "hoif/geometry/skeleton.h"
#include "hoif/visualization/render.h"

using namespace hoif;

namespace {

// Red-dominant, blue-dominant, or neither.
bool reddish(const uint8_t* p) { return p[0] > 150 && p[1] < 120 && p[2] < 120; }
bool bluish(const uint8_t* p) { return p[2] > 150 && p[0] < 120; }
bool black(const uint8_t* p) { return p[0] < 20 && p[1] < 20 && p[2] < 20; }
bool white(const uint8_t* p) { return p[0] > 235 && p[1] > 235 && p[2] > 235; }

}  // namespace

TEST(Render, TwoDimensionalLimbsLandWhereTheImageGeometrySaysInTheirSidesColour) {
  const Skeleton& s = h36m_skeleton16();
  const int rhip = s.index_of("RHip"), rknee = s.index_of("RKnee"), lhip = s.index_of("LHip"), lknee = s.index_of("LKnee");
  ASSERT_GE(rhip, 0);
  // Every joint far away in the image corner, except a right thigh along y = 500 from x = 200 to
  // 800 and a left thigh along y = 900.
  std::vector<Eigen::Vector2d> k(16, Eigen::Vector2d(990, 10));
  k[0] = {200, 500};
  k[static_cast<size_t>(rhip)] = {200, 500};
  k[static_cast<size_t>(rknee)] = {800, 500};
  k[static_cast<size_t>(lhip)] = {200, 900};
  k[static_cast<size_t>(lknee)] = {800, 900};
  FigureFrame frame;
  frame.keypoints_2d = k;
  frame.image_width = 1000;
  frame.image_height = 1000;
  const FigureRenderer renderer(s, 300, View3d{});
  const RgbImage image = renderer.render(frame);
  EXPECT_EQ(image.width, 300);
  EXPECT_EQ(image.height, 300 + FigureRenderer::kTitleHeight + FigureRenderer::kCaptionHeight);
  // A 1000 x 1000 image in a 300-pixel panel: scale 0.3, below the title.
  const int top = FigureRenderer::kTitleHeight;
  EXPECT_TRUE(reddish(image.at(150, top + 150)));  // (500, 500) on the right thigh
  EXPECT_TRUE(reddish(image.at(100, top + 150)));
  EXPECT_TRUE(bluish(image.at(150, top + 270)));   // (500, 900) on the left thigh
  EXPECT_TRUE(black(image.at(150, top + 210)));    // (500, 700): between them, nothing
  EXPECT_TRUE(black(image.at(150, top + 100)));
}

TEST(Render, ThreeDimensionalPoseStandsOnTheFloorSeenFromTheGivenAzimuth) {
  const Skeleton& s = h36m_skeleton16();
  const int rhip = s.index_of("RHip"), rknee = s.index_of("RKnee");
  // Seen from -y (azimuth -90) at eye level: world x is screen right, z is up. All joints at the
  // root (0, 0, 1) except the right knee at (0.5, 0, 1): a horizontal right limb, which the
  // renderer drops to the floor (its lowest joint at z = 0).
  std::vector<Eigen::Vector3d> pose(16, Eigen::Vector3d(0, 0, 1));
  pose[static_cast<size_t>(rknee)] = {0.5, 0, 1};
  FigureFrame frame;
  frame.poses_3d.emplace_back("Prediction", pose);
  const int panel = 300;
  const FigureRenderer renderer(s, panel, View3d{-90.0, 0.0, 1.7});
  const RgbImage image = renderer.render(frame);
  EXPECT_EQ(image.width, panel);
  // Centre of the view: (0, 0, 0.85); scale 0.62 * 300 / 1.7 = 109.4 px per metre. The floor
  // (z = 0) is 0.85 m below the centre: y = 150 + 93.0; the limb runs from x = 150 to 204.7.
  const int top = FigureRenderer::kTitleHeight, y = top + 243;
  EXPECT_TRUE(reddish(image.at(177, y))) << int(image.at(177, y)[0]) << "," << int(image.at(177, y)[1]);
  EXPECT_TRUE(white(image.at(177, y - 20)));
  EXPECT_TRUE(white(image.at(177, top + 60)));  // nothing up in the air
  (void)rhip;
}

TEST(Render, OnFloorPutsTheLowestJointAtZeroAndKeepsTheShape) {
  const auto p = on_floor({{0, 0, 1.0}, {1, 2, 0.4}, {0, 0, 2.0}});
  EXPECT_DOUBLE_EQ(p[1].z(), 0.0);
  EXPECT_DOUBLE_EQ(p[0].z(), 0.6);
  EXPECT_DOUBLE_EQ(p[2].z(), 1.6);
  EXPECT_DOUBLE_EQ(p[1].x(), 1.0);
}
