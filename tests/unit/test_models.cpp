// The five models: parameter counts measured by running the original code (REFERENCE.md 2.5 and
// the models issue), the graph masks, and the masked softmax.
#include <gtest/gtest.h>

#include <limits>

#include <torch/torch.h>

#include "fixtures.h"
#include "hoif/core/error.h"
#include "hoif/models/graph.h"
#include "hoif/models/network.h"

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
    EXPECT_EQ(make_network(c)->parameter_count(), count) << name;
  }
}

TEST(Models, EveryModelMapsPosesToPosesFor16And17Joints) {
  torch::manual_seed(0);
  for (const auto& name : model_names())
    for (int joints : {16, 17}) {
      ModelConfig c;
      c.name = name;
      c.joints = joints;
      auto model = make_network(c);
      model->eval();
      const torch::Tensor y = model->forward(torch::randn({5, joints, 2}));
      EXPECT_EQ(y.sizes(), (std::vector<int64_t>{5, joints, 3})) << name;
      EXPECT_TRUE(torch::isfinite(y).all().item<bool>()) << name;
    }
}

TEST(Models, BadConfigurationsAreErrors) {
  ModelConfig c;
  c.name = "transformer";
  EXPECT_THROW(make_network(c), Error);
  c.name = "hoif";
  c.joints = 15;
  EXPECT_THROW(make_network(c), Error);
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

// The size check runs before any allocation, so its bound must hold for every model: the bytes
// of the parameters that are then built never exceed it.
TEST(ModelSize, TheBoundCoversEveryModelsWeights) {
  for (const auto& name : model_names())
    for (const auto& [hid, layers] : std::vector<std::pair<int, int>>{{0, 0}, {16, 1}, {256, 3}, {64, 12}}) {
      ModelConfig c;
      c.name = name;
      c.hid_dim = hid;
      c.num_layers = layers;
      c = c.resolved();
      const double bytes = 4.0 * static_cast<double>(make_network(c)->parameter_count());
      EXPECT_LE(bytes, c.weight_bytes_bound()) << name << " " << c.hid_dim << "x" << c.num_layers;
    }
  ModelConfig huge;
  huge.name = "hoif";
  huge.num_layers = 100000000;
  EXPECT_NE(test::error_of([&] { huge.resolved(); }).find("--hid-dim/--num-layers: a hoif of width 64 and 100000000 layers"),
            std::string::npos);
  ModelConfig negative;
  negative.name = "semgcn";
  negative.hid_dim = -8;
  EXPECT_NE(test::error_of([&] { negative.resolved(); }).find("--hid-dim: must be positive"), std::string::npos);
}

TEST(ModelSize, NonFiniteWeightsAreNamed) {
  ModelConfig c;
  c.name = "semgcn";
  c.hid_dim = 8;
  auto model = make_network(c.resolved());
  EXPECT_EQ(test::error_of([&] { require_finite_weights(*model, "m.ckpt"); }), "");
  const auto p = model->named_parameters()[3];
  torch::NoGradGuard no_grad;
  p.value().view(-1)[0] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(test::error_of([&] { require_finite_weights(*model, "m.ckpt"); }),
            "m.ckpt: weight '" + p.key() + "' holds NaN or infinite values (a damaged file or a diverged run)");
}
