#include <gtest/gtest.h>

#include <algorithm>

#include "hoif/core/progress.h"

using hoif::format_duration;
using hoif::ProgressBar;

TEST(Progress, DurationsReadAsSecondsMinutesOrHours) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(59.4), "59s");
  EXPECT_EQ(format_duration(61), "1m01s");
  EXPECT_EQ(format_duration(3599), "59m59s");
  EXPECT_EQ(format_duration(3 * 3600 + 7 * 60 + 30), "3h07m");
  EXPECT_EQ(format_duration(-5), "0s");
}

// Under ctest stderr is not a terminal: the bar writes plain lines, here only the final one.
TEST(Progress, OffATerminalTheFinalLineCountsSkippedUnitsAsDone) {
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("epoch 2/3", 10, "batch");
    bar.skip(4);
    for (int i = 0; i < 6; ++i) bar.advance();
  }
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.rfind("epoch 2/3: 10/10 batch (100%), ", 0), 0u) << out;
  EXPECT_NE(out.find(" in 0s"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST(Progress, ADisabledBarWritesNothing) {
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("quiet", 3, "it", false);
    bar.advance(3);
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}
