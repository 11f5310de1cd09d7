// The five models: parameter counts measured by running the original code (REFERENCE.md 2.5 and
// the models issue), the graph masks, and the masked softmax.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "hoif/core/error.h"
#include "hoif/models/graph.h"
#include "hoif/models/lifter.h"

using namespace hoif;

TEST(Graph, WalkMaskNonZerosFor16Joints) {
  const torch::Tensor a = skeleton_adjacency(h36m_skeleton16());
  EXPECT_EQ(a.sum().item<float>(), 30.0f);  // 15 bones, both directions
  EXPECT_EQ(walk_mask(a, 0).sum().item<int64_t>(), 16);
  EXPECT_EQ(walk_mask(a, 1).sum().item<int64_t>(), 30);
  EXPECT_EQ(walk_mask(a, 2).sum().item<int64_t>(), 52);
  EXPECT_EQ(walk_mask(a, 3).sum().item<int64_t>(), 68);
  // SemGCN's mask: A + I.
  EXPECT_EQ((walk_mask(a, 0) | walk_mask(a, 1)).sum().item<int64_t>(), 46);
}

TEST(Graph, MaskedSoftmaxHandComputed) {
  // Row 0 may mix joints 0 and 2, row 1 only joint 1, row 2 joints 0, 1 and 2.
  const torch::Tensor mask = torch::tensor({1, 0, 1, 0, 1, 0, 1, 1, 1}, torch::kBool).view({3, 3});
  const MaskedSoftmax edges(mask);
  EXPECT_EQ(edges.num_edges(), 6);
  const torch::Tensor e = torch::tensor({0.0f, std::log(3.0f), 5.0f, 0.0f, 0.0f, 0.0f}).view({1, 6});
  const torch::Tensor w = edges(e);
  EXPECT_NEAR(w[0][0].item<float>(), 0.25f, 1e-6);  // e^0 / (e^0 + 3)
  EXPECT_NEAR(w[0][1].item<float>(), 0.0f, 1e-12);  // off the mask
  EXPECT_NEAR(w[0][2].item<float>(), 0.75f, 1e-6);
  EXPECT_NEAR(w[1][1].item<float>(), 1.0f, 1e-6);   // a single entry is always 1
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(w[2][j].item<float>(), 1.0f / 3, 1e-6);
  // Initial weights are all 1, so each row starts uniform over its neighbours.
  EXPECT_NEAR(edges(edges.initial_weights())[0][2].item<float>(), 0.5f, 1e-6);
}

TEST(Models, ParameterCountsWithoutUnusedTensors) {
  // The originals register 4,288,557 / 267,343 / 434,703 / 1,197,931 / 1,069,307 parameters; of
  // those 4,288,557 / 267,343 / 434,703 / 1,197,055 / 536,447 get a gradient, and without the
  // order-0 edge weights (A_0 is always the identity) 1,196,895 and 536,287 for HGCN / HOIF-Net.
  const std::pair<const char*, int64_t> expected[] = {
      {"martinez", 4288557}, {"semgcn", 267343}, {"semgcn-nonlocal", 434703}, {"hgcn", 1196895}, {"hoif", 536287}};
  for (const auto& [name, count] : expected) {
    ModelConfig c;
    c.name = name;
    EXPECT_EQ(make_lifter(c)->parameter_count(), count) << name;
  }
}

TEST(Models, EveryModelMapsPosesToPosesFor16And17Joints) {
  torch::manual_seed(0);
  for (const auto& name : model_names())
    for (int joints : {16, 17}) {
      ModelConfig c;
      c.name = name;
      c.joints = joints;
      auto model = make_lifter(c);
      model->eval();
      const torch::Tensor y = model->forward(torch::randn({5, joints, 2}));
      EXPECT_EQ(y.sizes(), (std::vector<int64_t>{5, joints, 3})) << name;
      EXPECT_TRUE(torch::isfinite(y).all().item<bool>()) << name;
    }
}

TEST(Models, BadConfigurationsAreErrors) {
  ModelConfig c;
  c.name = "transformer";
  EXPECT_THROW(make_lifter(c), Error);
  c.name = "hoif";
  c.joints = 15;
  EXPECT_THROW(make_lifter(c), Error);
}

TEST(Models, ConfigRoundTripsThroughJson) {
  ModelConfig c;
  c.name = "hgcn";
  c.joints = 17;
  const ModelConfig r = c.resolved();
  const ModelConfig back = ModelConfig::from_json(r.to_json(), "test");
  EXPECT_EQ(back.name, "hgcn");
  EXPECT_EQ(back.joints, 17);
  EXPECT_EQ(back.hid_dim, 96);
  EXPECT_EQ(back.num_layers, 4);
  EXPECT_EQ(back.dropout, 0.0);
}
