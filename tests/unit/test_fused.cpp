// The fused kernels against the plain LibTorch operations they replace (independent reference
// implementations), and the folded inference path against the autograd path.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "hoif/models/batch_shard.h"
#include "hoif/models/fused.h"
#include "hoif/models/gemm.h"
#include "hoif/models/network.h"
#include "hoif/models/channel_product.h"
#include "hoif/training/optimizer.h"

using namespace hoif;

namespace {

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

// The largest difference relative to the reference's largest magnitude: sums over hundreds of
// channels differ by float rounding in proportion to their size.
double relative_diff(const torch::Tensor& a, const torch::Tensor& reference) {
  return max_diff(a, reference) / std::max(1.0, reference.abs().max().item<double>());
}

}  // namespace

TEST(BiasBatchNormRelu, TrainingMatchesBatchNorm1dForwardBackwardAndRunningStatistics) {
  torch::manual_seed(1);
  for (const auto& shape : std::vector<std::vector<int64_t>>{{64, 1024}, {16, 37, 24}}) {
    const int64_t C = shape.back();
    torch::nn::BatchNorm1d ours(C), reference(C);
    {
      torch::NoGradGuard no_grad;
      for (auto* bn : {&ours, &reference}) {
        (*bn)->weight.copy_(torch::linspace(0.5, 1.5, C));
        (*bn)->bias.copy_(torch::linspace(-0.2, 0.2, C));
      }
    }
    // Offset values: the single-pass moments must stay accurate when |mean| >> std.
    const torch::Tensor z = (torch::randn(shape) * 0.3 + 5.0).requires_grad_();
    const torch::Tensor bias = torch::randn({C}).requires_grad_();
    const torch::Tensor upstream = torch::randn(shape);

    const torch::Tensor y = bias_batch_norm_relu(z, bias, *ours);
    (y * upstream).sum().backward();
    const torch::Tensor gz = z.grad().clone(), gbias = bias.grad().clone();
    z.mutable_grad().reset();
    bias.mutable_grad().reset();
    const torch::Tensor y_ref =
        torch::relu(reference(torch::add(z, bias).reshape({-1, C}))).view(shape);
    (y_ref * upstream).sum().backward();

    EXPECT_LT(max_diff(y, y_ref), 1e-4);
    EXPECT_LT(max_diff(gz, z.grad()), 1e-4);
    EXPECT_EQ(gbias.abs().max().item<float>(), 0.0f);  // BatchNorm removes the bias exactly
    EXPECT_LT(max_diff(ours->weight.grad(), reference->weight.grad()), 1e-3);
    EXPECT_LT(max_diff(ours->bias.grad(), reference->bias.grad()), 1e-3);
    EXPECT_LT(max_diff(ours->running_mean, reference->running_mean), 1e-5);
    EXPECT_LT(max_diff(ours->running_var, reference->running_var), 1e-5);
    EXPECT_EQ(ours->num_batches_tracked.item<int64_t>(), 1);
  }
}

TEST(BiasBatchNormRelu, EvalUsesTheRunningStatistics) {
  torch::nn::BatchNorm1d bn(3);
  bn->eval();
  {
    torch::NoGradGuard no_grad;
    bn->running_mean.copy_(torch::tensor({1.0f, 0.0f, -1.0f}));
    bn->running_var.copy_(torch::tensor({4.0f, 1.0f, 0.25f}));
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor z = torch::tensor({{3.0f, -1.0f, 0.0f}});
  const torch::Tensor y = bias_batch_norm_relu(z, torch::zeros({3}), *bn);
  // (3 - 1) / 2 = 1, relu(-1) = 0, (0 + 1) / 0.5 = 2 (eps 1e-5 aside).
  EXPECT_NEAR(y[0][0].item<float>(), 1.0f, 1e-4);
  EXPECT_EQ(y[0][1].item<float>(), 0.0f);
  EXPECT_NEAR(y[0][2].item<float>(), 2.0f, 1e-3);
}

TEST(FastDropout, KeepsTheRightFractionScalesAndBackpropagatesTheSameMask) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::ones({256, 1024}).requires_grad_();
  const torch::Tensor y = fast_dropout(x, 0.5, true, 0);
  const double kept = (y > 0).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(kept, 0.5, 0.005);  // 262144 draws: the standard deviation is 0.001
  EXPECT_TRUE(torch::all((y == 0) | (y == 2.0)).item<bool>());
  y.sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), y.detach()));
  // A second call draws a different mask; a different rate keeps a different fraction.
  EXPECT_FALSE(torch::equal(fast_dropout(x, 0.5, true, 0), y));
  EXPECT_NEAR((fast_dropout(x, 0.2, true, 0) > 0).to(torch::kDouble).mean().item<double>(), 0.8, 0.005);
  EXPECT_TRUE(torch::equal(fast_dropout(x, 0.5, false, 0), x));
}

// A data-parallel rank holding rows [3, 5) of a batch of 8 draws exactly those rows of the mask
// one process draws for the whole batch, whichever dimension is the batch.
TEST(FastDropout, AShardsMaskIsItsRowsOfTheWholeBatchsMask) {
  const torch::Tensor whole_bf = torch::ones({8, 6}), whole_jbc = torch::ones({4, 8, 5});
  torch::manual_seed(11);
  const torch::Tensor mask_bf = fast_dropout(whole_bf, 0.5, true, 0);
  const torch::Tensor mask_jbc = fast_dropout(whole_jbc, 0.5, true, 1);
  const BatchShard shard{3, 8, [](double*, int64_t) {}};
  set_batch_shard(&shard);
  torch::manual_seed(11);
  const torch::Tensor shard_bf = fast_dropout(torch::ones({2, 6}), 0.5, true, 0);
  const torch::Tensor shard_jbc = fast_dropout(torch::ones({4, 2, 5}), 0.5, true, 1);
  set_batch_shard(nullptr);
  EXPECT_TRUE(torch::equal(shard_bf, mask_bf.narrow(0, 3, 2)));
  EXPECT_TRUE(torch::equal(shard_jbc, mask_jbc.narrow(1, 3, 2)));
  EXPECT_FALSE(torch::equal(shard_bf, mask_bf.narrow(0, 0, 2)));  // not just any rows
}

// Against the batched matrix product it replaces, with g a view whose channels are contiguous but
// whose poses are not (as the non-local block passes it).
TEST(GroupWeightedSum, MatchesTheBatchedProductForwardAndBackward) {
  torch::manual_seed(3);
  const int64_t J = 16, N = 8, B = 5, C = 12;
  const torch::Tensor f = torch::randn({J, N, B}).requires_grad_(true);
  const torch::Tensor both = torch::randn({N, B, 2 * C}).requires_grad_(true);
  const torch::Tensor g = both.narrow(2, C, C);
  const torch::Tensor gy = torch::randn({J, B, C});

  const torch::Tensor y = group_weighted_sum(f, g);
  const auto grads = torch::autograd::grad({y}, {f, both}, {gy});
  // The reference: per pose b, the (J, N) x (N, C) product f[:, :, b] g[:, b, :].
  const torch::Tensor reference = torch::bmm(f.permute({2, 0, 1}), g.transpose(0, 1)).transpose(0, 1);
  const auto reference_grads = torch::autograd::grad({reference}, {f, both}, {gy});
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{J, B, C}));
  EXPECT_LT(max_diff(y, reference), 1e-5);
  EXPECT_LT(max_diff(grads[0], reference_grads[0]), 1e-5);
  EXPECT_LT(max_diff(grads[1], reference_grads[1]), 1e-5);
  EXPECT_EQ(grads[1].narrow(2, 0, C).abs().max().item<float>(), 0.0f);  // the other half of the view
}

namespace {

void expect_gemm_matches_torch_mm_for_every_layout(int64_t M, int64_t K, int64_t N) {
  const torch::Tensor a = torch::randn({M, K}), b = torch::randn({K, N}), c0 = torch::randn({M, N});
  const torch::Tensor reference = 0.5 * torch::mm(a, b) + 2.0 * c0;
  // Row-major operands, transposed views of row-major storage, and rows with a gap between them.
  const std::vector<torch::Tensor> as = {a, a.t().contiguous().t(), torch::randn({M, K + 5}).narrow(1, 2, K).copy_(a)};
  const std::vector<torch::Tensor> bs = {b, b.t().contiguous().t(), torch::randn({K, N + 3}).narrow(1, 1, N).copy_(b)};
  for (size_t i = 0; i < as.size(); ++i)
    for (size_t j = 0; j < bs.size(); ++j) {
      // The output as a column range of a wider matrix, as the layers write each order.
      torch::Tensor wide = torch::full({M, N + 4}, 7.0f);
      torch::Tensor c = wide.narrow(1, 4, N).copy_(c0);
      gemm(as[i], bs[j], c, 0.5f, 2.0f);
      EXPECT_LT(max_diff(c, reference), 1e-4) << M << "x" << K << "x" << N << ", layouts " << i << ", " << j;
      EXPECT_EQ(wide.narrow(1, 0, 4).ne(7.0f).sum().item<int64_t>(), 0) << "wrote outside its columns";
    }
  // beta = 0 does not read the output, NaN included.
  const torch::Tensor c = torch::full({M, N}, std::nanf(""));
  gemm(a, b.t().contiguous().t(), c);
  EXPECT_LT(max_diff(c, torch::mm(a, b)), 1e-4) << M << "x" << K << "x" << N;
}

}  // namespace

TEST(Gemm, MatchesTorchMmForEveryLayoutItTakes) {
  torch::manual_seed(9);
  // Both above gemm.h's threshold for oneDNN; in the second, a few rows against a large b, a
  // transposed b is taken through cᵀ = b' aᵀ.
  expect_gemm_matches_torch_mm_for_every_layout(130, 97, 90);
  expect_gemm_matches_torch_mm_for_every_layout(40, 200, 180);
  const int64_t M = 130, K = 97, N = 90;
  const torch::Tensor a = torch::randn({M, K}), b = torch::randn({K, N});
  EXPECT_LT(max_diff(matrix_product(a.t().contiguous().t(), b, -3.0f), -3.0 * torch::mm(a, b)), 1e-4);
  // What oneDNN does not take goes to LibTorch: doubles, an output with non-contiguous rows, a
  // small product.
  EXPECT_LT(max_diff(matrix_product(a.narrow(0, 0, 5), b), torch::mm(a.narrow(0, 0, 5), b)), 1e-4);
  const torch::Tensor ad = a.to(torch::kDouble), bd = b.to(torch::kDouble);
  EXPECT_LT(max_diff(matrix_product(ad, bd), torch::mm(ad, bd)), 1e-12);
  const torch::Tensor strided_out = torch::zeros({N, M}).t();
  gemm(a, b, strided_out);
  EXPECT_LT(max_diff(strided_out, torch::mm(a, b)), 1e-4);
}

TEST(TrackedProduct, GradientsMatchTorchMmAndKeepTheWeightsLayout) {
  torch::manual_seed(10);
  const int64_t batch = 70, in = 150, out = 120;  // above gemm.h's threshold for oneDNN
  const torch::Tensor x = torch::randn({batch, in}, torch::requires_grad());
  const torch::Tensor weight = torch::randn({out, in}, torch::requires_grad());  // nn::Linear's layout
  const torch::Tensor g = torch::randn({batch, out});
  const torch::Tensor reference = torch::mm(x, weight.t());
  const auto reference_grads = torch::autograd::grad({reference}, {x, weight}, {g});

  const torch::Tensor y = tracked_product(x, weight.t());
  EXPECT_LT(max_diff(y, reference), 1e-4);
  y.backward(g);
  EXPECT_LT(max_diff(x.grad(), reference_grads[0]), 1e-4);
  EXPECT_LT(max_diff(weight.grad(), reference_grads[1]), 1e-4);
  EXPECT_TRUE(weight.grad().is_contiguous()) << "the transposed view's gradient came back transposed";

  // An operand that needs no gradient gets none; a row-major right operand gets a row-major one.
  const torch::Tensor w = torch::randn({in, out}, torch::requires_grad());
  const torch::Tensor poses = torch::randn({batch, in});
  const auto grads = torch::autograd::grad({tracked_product(poses, w)}, {w}, {g});
  EXPECT_LT(max_diff(grads[0], torch::mm(poses.t(), g)), 1e-4);
  EXPECT_TRUE(grads[0].is_contiguous());
}

TEST(FusedAdam, StepsLikeTorchAdamAndClipsLikeClipGradNorm) {
  torch::manual_seed(4);
  // Three copies of the same parameters: torch's clipping and Adam, torch's clipping and our step,
  // our clipping and step in one call.
  std::vector<torch::Tensor> ours, reference, one_call;
  for (const auto& shape : std::vector<std::vector<int64_t>>{{300, 200}, {7}}) {
    const torch::Tensor p = torch::randn(shape);
    ours.push_back(p.clone().requires_grad_());
    reference.push_back(p.clone().requires_grad_());
    one_call.push_back(p.clone().requires_grad_());
  }
  FusedAdam fused(ours, torch::optim::AdamOptions(1e-2)), fused_one_call(one_call, torch::optim::AdamOptions(1e-2));
  torch::optim::Adam adam(reference, torch::optim::AdamOptions(1e-2));
  // Gradient norms about 1.5, 0.04 (not clipped) and 300 (clipped).
  for (const double scale : {0.006, 0.00015, 1.2}) {
    for (size_t i = 0; i < ours.size(); ++i) {
      const torch::Tensor g = torch::randn(ours[i].sizes()) * scale;
      ours[i].mutable_grad() = g.clone();
      reference[i].mutable_grad() = g.clone();
      one_call[i].mutable_grad() = g.clone();
    }
    torch::nn::utils::clip_grad_norm_(ours, 1.0);
    const double norm_ref = torch::nn::utils::clip_grad_norm_(reference, 1.0);
    fused.step();
    adam.step();
    EXPECT_NEAR(fused_one_call.clip_and_step(1.0), norm_ref, 1e-4 * norm_ref);
  }
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_LT(max_diff(ours[i], reference[i]), 1e-5);
    EXPECT_LT(max_diff(one_call[i], reference[i]), 1e-5);
  }
}

// Decoupled weight decay against torch::optim::AdamW for the decayed parameters and Adam for the
// rest, on the fused path (float) and on the fallback path (double), through a rate change.
TEST(FusedAdam, DecoupledWeightDecayStepsLikeTorchAdamW) {
  for (const auto dtype : {torch::kFloat, torch::kDouble}) {
    SCOPED_TRACE(c10::toString(dtype));
    torch::manual_seed(5);
    const torch::Tensor w = torch::randn({300, 200}, dtype), b = torch::randn({7}, dtype);
    const torch::Tensor ours_w = w.clone().requires_grad_(), ours_b = b.clone().requires_grad_();
    const torch::Tensor ref_w = w.clone().requires_grad_(), ref_b = b.clone().requires_grad_();
    FusedAdam fused({ours_w, ours_b}, torch::optim::AdamOptions(1e-2));
    fused.set_decoupled_weight_decay(5.0, {ours_w});
    torch::optim::AdamW adamw({ref_w}, torch::optim::AdamWOptions(1e-2).weight_decay(5.0));
    torch::optim::Adam adam({ref_b}, torch::optim::AdamOptions(1e-2));
    for (int step = 0; step < 4; ++step) {
      if (step == 2) {
        static_cast<torch::optim::AdamOptions&>(fused.param_groups()[0].options()).lr(3e-3);
        static_cast<torch::optim::AdamWOptions&>(adamw.param_groups()[0].options()).lr(3e-3);
        static_cast<torch::optim::AdamOptions&>(adam.param_groups()[0].options()).lr(3e-3);
      }
      const torch::Tensor gw = torch::randn(w.sizes(), dtype) * 0.01, gb = torch::randn(b.sizes(), dtype) * 0.01;
      ours_w.mutable_grad() = gw.clone();
      ref_w.mutable_grad() = gw.clone();
      ours_b.mutable_grad() = gb.clone();
      ref_b.mutable_grad() = gb.clone();
      fused.step();
      adamw.step();
      adam.step();
    }
    // Two steps of 1 - 0.05 and two of 1 - 0.015 shrink the weights by about 12%, more than Adam's
    // four steps can move them (at most 0.026): the decay is really applied.
    EXPECT_GT(max_diff(ref_w, w), 0.05);
    EXPECT_LT(max_diff(ours_w, ref_w), 1e-5);
    EXPECT_LT(max_diff(ours_b, ref_b), 1e-6);
  }
}

namespace {

// The five models, for the tests that run on each (test names take '_' for '-').
const char* const kModels[] = {"martinez", "semgcn", "semgcn-nonlocal", "hgcn", "hoif"};
std::string model_test_name(const ::testing::TestParamInfo<const char*>& info) {
  std::string n = info.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

}  // namespace

class DroppedGradients : public ::testing::TestWithParam<const char*> {};

TEST_P(DroppedGradients, StepLikeZeroedOnes) {
  ModelConfig c;
  c.name = GetParam();
  c.hid_dim = 16;
  c.num_layers = 2;
  const torch::Tensor x = torch::randn({8, 16, 2}) * 0.5, y = torch::randn({8, 16, 3}) * 0.2;
  // The same model trained three steps with each way of clearing the gradients.
  auto train = [&](bool drop) {
    torch::manual_seed(6);
    auto model = make_network(c);
    FusedAdam adam(model->parameters(), torch::optim::AdamOptions(1e-2));
    for (int step = 0; step < 3; ++step) {
      if (drop)
        adam.drop_gradients();
      else
        adam.zero_grad();
      torch::mse_loss(model->forward(x), y).backward();
      adam.clip_and_step(1.0);
    }
    return model;
  };
  const auto zeroed = train(false)->parameters(), dropped = train(true)->parameters();
  ASSERT_EQ(zeroed.size(), dropped.size());
  for (size_t i = 0; i < zeroed.size(); ++i) EXPECT_EQ(max_diff(zeroed[i], dropped[i]), 0.0) << "parameter " << i;
}

INSTANTIATE_TEST_SUITE_P(Models, DroppedGradients, ::testing::ValuesIn(kModels), model_test_name);

class FoldedInference : public ::testing::TestWithParam<const char*> {};

TEST_P(FoldedInference, MatchesTheAutogradPathBeforeAndAfterTraining) {
  torch::manual_seed(5);
  ModelConfig c;
  c.name = GetParam();
  c.hid_dim = 16;
  c.num_layers = 2;
  auto model = make_network(c);
  const torch::Tensor x = torch::randn({8, 16, 2}) * 0.5;
  FusedAdam adam(model->parameters(), torch::optim::AdamOptions(1e-2));
  for (int round = 0; round < 2; ++round) {
    model->eval();
    torch::Tensor folded, reference;
    {
      torch::NoGradGuard no_grad;  // the folded path
      folded = model->forward(x);
    }
    reference = model->forward(x).detach();  // grad mode on: the unfolded path
    EXPECT_LT(max_diff(folded, reference), 1e-4) << "round " << round;
    // A training step changes the weights and the running statistics: the folded cache must follow.
    model->train();
    torch::mse_loss(model->forward(x), torch::zeros({8, 16, 3})).backward();
    adam.step();
  }
}

INSTANTIATE_TEST_SUITE_P(Models, FoldedInference, ::testing::ValuesIn(kModels), model_test_name);

TEST(Bf16Inference, MultipliesInBf16OnlyInsideTheScopeWithoutAutogradForLargeBatchesAndWideWeights) {
  torch::manual_seed(9);
  const torch::Tensor x = torch::randn({512, 64}), w = torch::randn({64, 64}), exact = torch::mm(x, w);
  torch::NoGradGuard no_grad;
  // fp32 products are gemm.h's (oneDNN), whose sums may differ from OpenBLAS's in the last bits.
  EXPECT_TRUE(torch::equal(channel_mm(x, w), matrix_product(x, w)));  // off by default
  {
    const Bf16Inference scope;
    EXPECT_TRUE(Bf16Inference::active());
    const torch::Tensor bf16 = channel_mm(x, w);
    EXPECT_EQ(bf16.scalar_type(), torch::kFloat);
    EXPECT_FALSE(torch::equal(bf16, exact));
    // Operands rounded to 8 significant bits: each product is off by at most 2^-8 relative, so
    // the sum by at most 2^-8 of sum |x||w|.
    const torch::Tensor bound = torch::mm(x.abs(), w.abs()) * std::ldexp(1.0, -8);
    EXPECT_TRUE(((bf16 - exact).abs() <= bound).all().item<bool>());
    EXPECT_TRUE(torch::equal(channel_mm(x.narrow(0, 0, 16), w), matrix_product(x.narrow(0, 0, 16), w)));  // a few rows: fp32
    EXPECT_TRUE(torch::equal(channel_mm(x, w.narrow(1, 0, 3)), matrix_product(x, w.narrow(1, 0, 3))));  // 3D output: fp32
    EXPECT_TRUE(torch::equal(channel_mm(x.narrow(1, 0, 2), w.narrow(0, 0, 2)),
                             matrix_product(x.narrow(1, 0, 2), w.narrow(0, 0, 2))));  // 2D input: fp32
    {
      torch::AutoGradMode grad(true);
      const torch::Tensor wg = w.clone().requires_grad_();
      const torch::Tensor trained = channel_mm(x, wg);
      EXPECT_TRUE(trained.requires_grad());  // training: autograd's fp32 product
      // fp32: off from `exact` only by summation order (OpenBLAS splits the sums by thread count),
      // at most about 64 x 2^-24 = 2^-18 of sum |x||w|; allowed 2^-16, 2^8 inside bf16's bound.
      EXPECT_TRUE(((trained.detach() - exact).abs() <= bound * std::ldexp(1.0, -8)).all().item<bool>());
    }
  }
  EXPECT_FALSE(Bf16Inference::active());
}

TEST(ChannelMmInto, WritesTheProductIntoItsColumnRangeOnly) {
  torch::manual_seed(10);
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({512, 64}), w = torch::randn({64, 64});
  for (const bool bf16 : {false, true}) {
    const Bf16Inference scope(bf16);
    torch::Tensor wide = torch::full({512, 3 * 64}, 7.0f);
    channel_mm_into(x, w, wide.narrow(1, 64, 64));
    // The same product channel_mm returns (fp32 through gemm.h, or the bf16 one inside the scope).
    EXPECT_TRUE(torch::equal(wide.narrow(1, 64, 64), channel_mm(x, w))) << "bf16 " << bf16;
    EXPECT_TRUE((wide.narrow(1, 0, 64) == 7.0f).all().item<bool>());
    EXPECT_TRUE((wide.narrow(1, 128, 64) == 7.0f).all().item<bool>());
  }
}

TEST(Bf16Inference, ChangesHoifNetOutputsByLittle) {
  torch::manual_seed(3);
  ModelConfig c;
  c.name = "hoif";
  auto model = make_network(c);
  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({64, 16, 2}) * 0.5;
  const torch::Tensor fp32 = model->forward(x);
  torch::Tensor bf16;
  {
    const Bf16Inference scope;
    bf16 = model->forward(x);
  }
  EXPECT_FALSE(torch::equal(bf16, fp32));
  EXPECT_LT(max_diff(bf16, fp32), 0.02 * fp32.abs().max().item<float>());
}

TEST(HighOrderFolded, MixingFirstEqualsProductFirst) {
  torch::manual_seed(4);
  const int64_t J = 16, B = 5, C = 12, O = 6;
  const torch::Tensor x = torch::randn({J, B, C}), x0 = torch::randn({J, B, C});
  torch::Tensor mixing = torch::rand({4 * J, J}) * (torch::rand({4 * J, J}) < 0.3);
  mixing.narrow(0, 0, J).copy_(torch::eye(J));
  const torch::Tensor w = torch::randn({C, 4 * O});
  torch::NoGradGuard no_grad;
  for (const bool sum_orders : {false, true}) {
    const torch::Tensor bias = torch::randn({sum_orders ? O : 4 * O});
    for (const bool relu : {false, true}) {
      const auto a = high_order_conv_folded(x, x0, mixing, w, bias, 0.3, sum_orders, relu, FoldedOrder::product_first);
      const auto b = high_order_conv_folded(x, x0, mixing, w, bias, 0.3, sum_orders, relu, FoldedOrder::mixing_first);
      EXPECT_EQ(a.sizes(), b.sizes());
      EXPECT_LT(max_diff(a, b), 1e-4) << "sum_orders " << sum_orders << " relu " << relu;
    }
  }
}

TEST(HighOrderFolded, HoifNetInfersLargeBatchesInChunksExactly) {
  torch::manual_seed(6);
  ModelConfig c;
  c.name = "hoif";
  c.hid_dim = 16;
  auto model = make_network(c);
  model->eval();
  const torch::Tensor x = torch::randn({kMixingFirstMaxBatch * 2 + 7, 16, 2}) * 0.5;
  const torch::Tensor reference = model->forward(x).detach();  // autograd on: the unfolded path, whole batch
  torch::NoGradGuard no_grad;
  const torch::Tensor chunked = model->forward(x);
  EXPECT_EQ(chunked.sizes(), reference.sizes());
  EXPECT_LT(max_diff(chunked, reference), 1e-4);
}

// The graph convolution written with plain LibTorch operations, differentiated by autograd:
// H_k = (1 - alpha) M_k X + alpha X0, out_k = H_k (beta W_k), concatenated or summed.
torch::Tensor plain_high_order_conv(const torch::Tensor& x, const torch::Tensor& x0, const torch::Tensor& mixing,
                                    const torch::Tensor& weight, double alpha, double beta, bool sum_orders) {
  const int64_t J = x.size(0), K = mixing.size(0) / J;
  std::vector<torch::Tensor> outs;
  for (int64_t k = 0; k < K; ++k) {
    torch::Tensor h = torch::einsum("ji,ibc->jbc", {mixing.narrow(0, k * J, J), x}) * (1 - alpha);
    if (alpha != 0) h = h + alpha * x0;
    outs.push_back(torch::matmul(h, weight[k] * beta));
  }
  return sum_orders ? torch::stack(outs).sum(0) : torch::cat(outs, 2);
}

// Both evaluation orders of training (products first; joints mixed first in chunks of poses,
// with a batch that ends in a partial chunk) against the plain formula, values and gradients, for
// layers of `C` -> 4 x `O` channels. `difference` measures how far a result is from the formula's;
// `value_tolerance` bounds it for the output and the input gradients, `weight_tolerance` for the
// weight and edge-weight gradients.
void expect_high_order_conv_matches_plain_formula(int64_t C, int64_t O,
                                                  double (*difference)(const torch::Tensor&, const torch::Tensor&),
                                                  double value_tolerance, double weight_tolerance) {
  torch::manual_seed(8);
  const int64_t J = 16, B = 2 * kMixingFirstMaxBatch + 22;
  torch::Tensor mask = torch::rand({4 * J, J}) < 0.3;
  mask.narrow(0, 0, J).copy_(torch::eye(J).to(torch::kBool));
  for (const double alpha : {0.0, 0.4}) {
    for (const bool sum_orders : {false, true}) {
      const torch::Tensor x = torch::randn({J, B, C}, torch::requires_grad());
      const torch::Tensor x0 = torch::randn({J, B, C}, torch::requires_grad());
      const torch::Tensor mixing = (torch::rand({4 * J, J}) * mask).requires_grad_();
      const torch::Tensor w = torch::randn({4, C, O}, torch::requires_grad());
      const torch::Tensor g = torch::randn({J, B, sum_orders ? O : 4 * O});
      const std::vector<torch::Tensor> inputs = {x, x0, mixing, w};
      const torch::Tensor out = high_order_conv(x, alpha == 0 ? torch::Tensor() : x0, mixing, w, alpha, 0.7, sum_orders);
      const auto grads = torch::autograd::grad({out}, inputs, {g}, false, false, true);
      const torch::Tensor ref = plain_high_order_conv(x, x0, mixing, w, alpha, 0.7, sum_orders);
      const auto ref_grads = torch::autograd::grad({ref}, inputs, {g}, false, false, true);
      const std::string where = std::to_string(C) + " -> " + std::to_string(O) + " alpha " + std::to_string(alpha) +
                                " sum_orders " + std::to_string(sum_orders);
      EXPECT_LT(difference(out, ref), value_tolerance) << where;
      EXPECT_LT(difference(grads[0], ref_grads[0]), value_tolerance) << where << " (x)";
      if (alpha != 0) {
        EXPECT_LT(difference(grads[1], ref_grads[1]), value_tolerance) << where << " (x0)";
      }
      EXPECT_LT(difference(grads[3], ref_grads[3]), weight_tolerance) << where << " (weight)";
      // The mixing's gradient matters where the masks let it through (the softmaxed entries).
      EXPECT_LT(difference(grads[2] * mask, ref_grads[2] * mask), weight_tolerance) << where << " (mixing)";
    }
  }
}

TEST(HighOrderConv, ForwardAndGradientsMatchThePlainFormulaInEveryVariant) {
  expect_high_order_conv_matches_plain_formula(10, 6, max_diff, 1e-4, 1e-3);
}

// The models' own layer shapes: HGCN's 2 -> 4x96 input and 384 -> 4x96 hidden layers, HOIF-Net's
// 256 -> 4x64 hidden layers, and the 384 -> 3 output layer. Their sums run over hundreds of
// channels, so float rounding grows with the values: the bound is relative to their magnitude.
TEST(HighOrderConv, MatchesThePlainFormulaAtTheModelsLayerShapes) {
  for (const auto& [C, O] : std::vector<std::pair<int64_t, int64_t>>{{2, 96}, {384, 96}, {256, 64}, {384, 3}})
    expect_high_order_conv_matches_plain_formula(C, O, relative_diff, 1e-5, 1e-5);
}
