// Joint sets against the published definitions (REFERENCE.md section 3, SemGCN's SH_TO_GT_PERM).
#include <gtest/gtest.h>

#include "hoif/core/error.h"
#include "hoif/geometry/skeleton.h"

using namespace hoif;

TEST(Skeleton, SeventeenJoints) {
  const Skeleton& s = h36m_skeleton17();
  EXPECT_EQ(s.num_joints(), 17);
  EXPECT_EQ(s.parents, (std::vector<int>{-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15}));
  EXPECT_EQ(h36m32_to_17(), (std::vector<int>{0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27}));
  EXPECT_EQ(s.names[9], "Neck/Nose");
  EXPECT_EQ(s.edges().size(), 16u);
}

TEST(Skeleton, SixteenJointsDropNeckNose) {
  const Skeleton& s = h36m_skeleton16();
  EXPECT_EQ(s.num_joints(), 16);
  EXPECT_EQ(s.parents, (std::vector<int>{-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 8, 10, 11, 8, 13, 14}));
  EXPECT_EQ(s.joints_left, (std::vector<int>{4, 5, 6, 10, 11, 12}));
  EXPECT_EQ(s.joints_right, (std::vector<int>{1, 2, 3, 13, 14, 15}));
  EXPECT_EQ(h36m32_to_16(), (std::vector<int>{0, 1, 2, 3, 6, 7, 8, 12, 13, 15, 17, 18, 19, 25, 26, 27}));
  EXPECT_EQ(s.index_of("Neck/Nose"), -1);
  // Same names as the 17-joint set without Neck/Nose.
  for (int j = 0; j < 16; ++j) EXPECT_EQ(s.names[j], h36m_skeleton17().names[h36m17_to_16()[j]]);
}

TEST(Skeleton, LeftAndRightAreMirrorNames) {
  for (const Skeleton* s : {&h36m_skeleton16(), &h36m_skeleton17()}) {
    ASSERT_EQ(s->joints_left.size(), s->joints_right.size());
    for (size_t i = 0; i < s->joints_left.size(); ++i) {
      std::string l = s->names[s->joints_left[i]], r = s->names[s->joints_right[i]];
      EXPECT_EQ(l[0], 'L');
      EXPECT_EQ(r[0], 'R');
      EXPECT_EQ(l.substr(1), r.substr(1));
    }
  }
}

TEST(Skeleton, StackedHourglassPermutationIsSemGcns) {
  EXPECT_EQ(mpii_to_h36m16(), (std::vector<int>{6, 2, 1, 0, 3, 4, 5, 7, 8, 9, 13, 14, 15, 12, 11, 10}));
}

TEST(Skeleton, NonLocalGroupsAreAPermutation) {
  EXPECT_EQ(h36m_skeleton16().nonlocal_order(),
            (std::vector<int>{2, 3, 5, 6, 1, 4, 0, 7, 8, 9, 14, 15, 11, 12, 10, 13}));
  for (const Skeleton* s : {&h36m_skeleton16(), &h36m_skeleton17()}) {
    std::vector<int> order = s->nonlocal_order();
    std::sort(order.begin(), order.end());
    for (int j = 0; j < s->num_joints(); ++j) EXPECT_EQ(order[j], j);
  }
}

TEST(Skeleton, OtherJointCountsAreRejected) {
  EXPECT_EQ(&h36m_skeleton_for(16, "x"), &h36m_skeleton16());
  EXPECT_EQ(&h36m_skeleton_for(17, "x"), &h36m_skeleton17());
  try {
    h36m_skeleton_for(15, "file.npz");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("file.npz: has 15 joints"), std::string::npos);
  }
}

TEST(Skeleton, SelectJoints) {
  ArrayF a({2, 3, 2});
  for (int i = 0; i < 12; ++i) a.values[i] = static_cast<float>(i);
  const ArrayF b = select_joints(a, {2, 0});
  EXPECT_EQ(b.shape, (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(b.values, (std::vector<float>{4, 5, 0, 1, 10, 11, 6, 7}));
  EXPECT_THROW(select_joints(a, {3}), Error);
}
