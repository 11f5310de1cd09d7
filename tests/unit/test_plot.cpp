// Plots: axis ticks, the PNG written, and where the legend is drawn (read back with cairo).
#include <cairo.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fixtures.h"
#include "hoif/visualization/plot.h"

namespace fs = std::filesystem;
using namespace hoif;

TEST(Plot, LogAxisTicksAreTheFinestReadableSetOfEachDecadeOneTwoFiveOrDecades) {
  const auto near = [](std::vector<double> got, std::vector<double> want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-9 * want[i]) << i;
  };
  near(log_axis_ticks(38, 165), {40, 50, 60, 70, 80, 90, 100, 150});  // a P1 curve
  near(log_axis_ticks(95, 180), {100, 150});                           // not 100 alone
  near(log_axis_ticks(0.05, 0.5), {0.05, 0.1, 0.2, 0.5});              // 1..9 would give 10
  near(log_axis_ticks(2e-4, 0.3), {1e-3, 1e-2, 1e-1});                 // a loss curve: decades
  near(log_axis_ticks(100, 100), {100});
  EXPECT_TRUE(log_axis_ticks(0, 1).empty());
}

TEST(Plot, WritesAPngOfTheRequestedSize) {
  const fs::path dir = test::temp_dir("plot");
  write_line_plot((dir / "p.png").string(), {"t", "x", "y", true, true}, {{"a", {1, 2, 3}, {0.5, 0.1, 0.05}}}, 640, 360);
  std::ifstream in(dir / "p.png", std::ios::binary);
  std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(b.size(), 33u);
  const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  EXPECT_TRUE(std::equal(signature, signature + 8, b.begin()));
  // IHDR: big-endian width and height at bytes 16 and 20.
  EXPECT_EQ((b[16] << 24) | (b[17] << 16) | (b[18] << 8) | b[19], 640);
  EXPECT_EQ((b[20] << 24) | (b[21] << 16) | (b[22] << 8) | b[23], 360);
}

TEST(Plot, TheLegendStandsRightOfThePlotFrameSoItHidesNoCurve) {
  // Two lines into the top right corner of the data, where a legend inside the frame would sit.
  const fs::path png = test::temp_dir("plot") / "legend.png";
  write_line_plot(png.string(), {"t", "x", "y", false, false},
                  {{"the first run's label", {0, 1}, {0, 1}}, {"the second run's label", {0, 1}, {0.5, 1}}}, 640, 360);
  cairo_surface_t* image = cairo_image_surface_create_from_png(png.c_str());
  ASSERT_EQ(cairo_surface_status(image), CAIRO_STATUS_SUCCESS);
  const int w = cairo_image_surface_get_width(image), h = cairo_image_surface_get_height(image);
  const int stride = cairo_image_surface_get_stride(image);
  const unsigned char* data = cairo_image_surface_get_data(image);
  // Ink: the frame and the text are black (grey where anti-aliased), unlike the coloured curves
  // and the light grid.
  const auto ink = [&](int x, int y) {
    const uint32_t p = *(reinterpret_cast<const uint32_t*>(data + y * stride) + x);
    const int r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
    return r < 200 && std::abs(r - g) < 12 && std::abs(g - b) < 12;
  };
  // The frame's right edge and top: the rightmost column and the first row that are ink for
  // more than a third of the image.
  int right = -1, top = -1;
  for (int x = 0; x < w; ++x) {
    int n = 0;
    for (int y = 0; y < h; ++y) n += ink(x, y);
    if (n > h / 3) right = x;
  }
  for (int y = h - 1; y >= 0; --y) {
    int n = 0;
    for (int x = 0; x < w; ++x) n += ink(x, y);
    if (n > w / 3) top = y;
  }
  ASSERT_GT(right, w / 2);
  ASSERT_GE(top, 0);
  int inside = 0, outside = 0;
  for (int y = top + 2; y < top + 60; ++y) {
    for (int x = right - 250; x < right - 5; ++x) inside += ink(x, y);  // clear of the markers on the frame
    for (int x = right + 2; x < w; ++x) outside += ink(x, y);
  }
  cairo_surface_destroy(image);
  EXPECT_EQ(inside, 0) << "ink (legend text) inside the frame's top right";
  EXPECT_GT(outside, 50) << "no legend text right of the frame";
}
