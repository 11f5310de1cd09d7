// Micro-benchmarks of the fused kernels against the plain LibTorch operations they replace, at
// the shapes of a training step, and of a batch's augmentation against the HOIF-Net training step
// it precedes (ratios: compare the pairs in one run).
//   build/bench_kernels [--benchmark_filter=Adam]
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "hoif/models/fused.h"
#include "hoif/models/gemm.h"
#include "hoif/models/network.h"
#include "hoif/training/augment.h"
#include "hoif/training/optimizer.h"

namespace {

// rows x channels of a layer: Martinez (64 x 1024), HOIF-Net hidden (16 joints x 256 x 256).
void shapes(benchmark::internal::Benchmark* b) { b->Args({64, 1024})->Args({4096, 256}); }

void BM_BatchNormRelu_Torch(benchmark::State& state) {
  torch::nn::BatchNorm1d bn(state.range(1));
  const torch::Tensor z = torch::randn({state.range(0), state.range(1)}, torch::requires_grad());
  const torch::Tensor bias = torch::zeros({state.range(1)}, torch::requires_grad());
  for (auto _ : state) torch::relu(bn(z + bias)).sum().backward();
  state.SetItemsProcessed(state.iterations() * z.numel());
}
BENCHMARK(BM_BatchNormRelu_Torch)->Apply(shapes);

void BM_BatchNormRelu_Fused(benchmark::State& state) {
  torch::nn::BatchNorm1d bn(state.range(1));
  const torch::Tensor z = torch::randn({state.range(0), state.range(1)}, torch::requires_grad());
  const torch::Tensor bias = torch::zeros({state.range(1)}, torch::requires_grad());
  for (auto _ : state) hoif::bias_batch_norm_relu(z, bias, *bn).sum().backward();
  state.SetItemsProcessed(state.iterations() * z.numel());
}
BENCHMARK(BM_BatchNormRelu_Fused)->Apply(shapes);

void BM_Dropout_Torch(benchmark::State& state) {
  const torch::Tensor x = torch::randn({state.range(0), state.range(1)}, torch::requires_grad());
  for (auto _ : state) torch::dropout(x, 0.5, true).sum().backward();
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_Dropout_Torch)->Apply(shapes);

void BM_Dropout_Fused(benchmark::State& state) {
  const torch::Tensor x = torch::randn({state.range(0), state.range(1)}, torch::requires_grad());
  for (auto _ : state) hoif::fast_dropout(x, 0.5, true, 0).sum().backward();
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_Dropout_Fused)->Apply(shapes);

// Adam with gradient clipping over the Martinez baseline's parameter shapes (4.3M values).
std::vector<torch::Tensor> martinez_like_parameters() {
  std::vector<torch::Tensor> ps;
  for (int i = 0; i < 4; ++i) ps.push_back(torch::randn({1024, 1024}, torch::requires_grad()));
  for (int i = 0; i < 18; ++i) ps.push_back(torch::randn({1024}, torch::requires_grad()));
  for (auto& p : ps) p.mutable_grad() = torch::randn_like(p);
  return ps;
}

void BM_AdamStep_Torch(benchmark::State& state) {
  auto ps = martinez_like_parameters();
  torch::optim::Adam adam(ps, torch::optim::AdamOptions(1e-3));
  for (auto _ : state) {
    torch::nn::utils::clip_grad_norm_(ps, 1.0);
    adam.step();
  }
}
BENCHMARK(BM_AdamStep_Torch);

void BM_AdamStep_Fused(benchmark::State& state) {
  auto ps = martinez_like_parameters();
  hoif::FusedAdam adam(ps, torch::optim::AdamOptions(1e-3));
  for (auto _ : state) {
    adam.clip_and_step(1.0);
  }
}
BENCHMARK(BM_AdamStep_Fused);

// The channel GEMM of folded inference, fp32 against bf16 operands (LibTorch routes bf16 to
// oneDNN): HOIF-Net's (16 joints x 1024 poses, 256) x (256, 256) and the linear model's
// (1024, 1024) x (1024, 1024). The bf16 variant includes converting the activations.
void gemm_shapes(benchmark::internal::Benchmark* b) { b->Args({16384, 256, 256})->Args({1024, 1024, 1024}); }

void BM_InferenceGemm_Fp32(benchmark::State& state) {
  const torch::Tensor x = torch::randn({state.range(0), state.range(1)}), w = torch::randn({state.range(1), state.range(2)});
  for (auto _ : state) benchmark::DoNotOptimize(torch::mm(x, w));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_InferenceGemm_Fp32)->Apply(gemm_shapes);

void BM_InferenceGemm_Bf16(benchmark::State& state) {
  const torch::Tensor x = torch::randn({state.range(0), state.range(1)});
  const torch::Tensor w = torch::randn({state.range(1), state.range(2)}).to(torch::kBFloat16);
  for (auto _ : state) benchmark::DoNotOptimize(torch::mm(x.to(torch::kBFloat16), w).to(torch::kFloat));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_InferenceGemm_Bf16)->Apply(gemm_shapes);

// The training products, LibTorch (OpenBLAS) against gemm.h (oneDNN's sgemm): SemGCN's
// (16 joints x 64 poses, 128) x (128, 2 x 128) forward and its weight gradient (128, 1024) x
// (1024, 256) from a transposed view, HOIF-Net's per-order (16 x 64, 256) x (256, 64); the fused
// layers' products with a transposed operand (SemGCN's input gradient (16 x 64, 2 x 128) x
// (2 x 128, 128); HOIF-Net's per-order input gradient (16 x 64, 64) x (64, 256) and mixing gradient
// (4 x 16, 64 x 256) x (64 x 256, 16), per chunk of 64 poses); the linear model's hidden layer at batch 64,
// 128 and 256: forward x Wᵀ, input gradient g W, weight gradient gᵀ x. Args: M, K, N, then 1 if a
// is a transposed view, 2 if b is.
void training_shapes(benchmark::internal::Benchmark* b) {
  b->Args({1024, 128, 256, 0})->Args({128, 1024, 256, 1})->Args({1024, 256, 64, 0});
  b->Args({1024, 256, 128, 2})->Args({1024, 64, 256, 2})->Args({64, 16384, 16, 2});
  for (int64_t batch : {64, 128, 256})
    b->Args({batch, 1024, 1024, 2})->Args({batch, 1024, 1024, 0})->Args({1024, batch, 1024, 1});
}

torch::Tensor operand(int64_t rows, int64_t cols, bool transposed) {
  return transposed ? torch::randn({cols, rows}).t() : torch::randn({rows, cols});
}

struct GemmOperands {
  torch::Tensor a, b, c;
  explicit GemmOperands(const benchmark::State& state)
      : a(operand(state.range(0), state.range(1), state.range(3) & 1)),
        b(operand(state.range(1), state.range(2), state.range(3) & 2)),
        c(torch::empty({state.range(0), state.range(2)})) {}
};

void BM_TrainingGemm_LibTorch(benchmark::State& state) {
  GemmOperands g(state);
  for (auto _ : state) at::mm_out(g.c, g.a, g.b);
  state.SetItemsProcessed(state.iterations() * 2 * state.range(0) * state.range(1) * state.range(2));
}
BENCHMARK(BM_TrainingGemm_LibTorch)->Apply(training_shapes);

void BM_TrainingGemm_OneDnn(benchmark::State& state) {
  GemmOperands g(state);
  for (auto _ : state) hoif::gemm(g.a, g.b, g.c);
  state.SetItemsProcessed(state.iterations() * 2 * state.range(0) * state.range(1) * state.range(2));
}
BENCHMARK(BM_TrainingGemm_OneDnn)->Apply(training_shapes);

// A folded HOIF-Net hidden layer (16 joints, 256 -> 4 x 64 channels, residual) at batch B, with
// the products first (training's order) or the joints mixed first (fused.h).
void BM_HoifLayerFolded(benchmark::State& state) {
  const int64_t B = state.range(0), J = 16, C = 256;
  const torch::Tensor x = torch::randn({J, B, C}), x0 = torch::randn({J, B, C});
  torch::Tensor mixing = torch::rand({4 * J, J}) * (torch::rand({4 * J, J}) < 0.25);
  mixing.narrow(0, 0, J).copy_(torch::eye(J));
  const torch::Tensor w = torch::randn({C, C}) * 0.05, bias = torch::randn({C});
  const auto order = state.range(1) ? hoif::FoldedOrder::mixing_first : hoif::FoldedOrder::product_first;
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(hoif::high_order_conv_folded(x, x0, mixing, w, bias, 0.1, false, true, order));
  state.SetItemsProcessed(state.iterations() * B);
  state.SetLabel(state.range(1) ? "mixing first" : "product first");
}
BENCHMARK(BM_HoifLayerFolded)->ArgsProduct({{1, 16, 64, 256, 1024}, {0, 1}});

// A batch of 64 16-joint poses, augmented as `hoif train` does: flip only (Arg 0), bone lengths
// and flip (1), or rotation and flip (2); the changed poses re-projected through a camera with
// distortion.
void BM_AugmentBatch(benchmark::State& state) {
  const int64_t n = 4096, B = 64, J = 16;
  hoif::PoseSet set;
  set.num_joints = J;
  set.subjects = {"S1"};
  hoif::Camera cam;
  cam.width = cam.height = 1000;
  cam.f = {1145, 1144};
  cam.c = {512, 515};
  cam.k = {-0.2, 0.24, -0.002};
  cam.p = {-0.0006, -0.002};
  set.cameras = {hoif::CameraRig{cam, cam, cam, cam}};
  set.info.assign(n, {0, 0, 0, 0, 0});
  set.roots = hoif::ArrayF({n, 3});
  for (int64_t i = 0; i < n; ++i) set.roots.data()[i * 3 + 2] = 5.0f;
  const torch::Tensor inputs = torch::rand({n, J, 2}), targets = torch::randn({n, J, 3}) * 0.3;
  hoif::TrainOptions o;
  o.flip_augment = true;
  o.bone_augment = state.range(0) == 1 ? 0.15 : 0.0;
  o.rotate_augment = state.range(0) == 2 ? 30.0 : 0.0;
  int64_t first = 0;
  for (auto _ : state) {
    const torch::Tensor rows = torch::randint(n, {B}, torch::kLong);
    torch::Tensor x = inputs.index_select(0, rows), y = targets.index_select(0, rows);
    hoif::augment_batch(o, set, 0, first, rows, x, y);
    benchmark::DoNotOptimize(x.data_ptr<float>());
    first += B;
  }
  state.SetItemsProcessed(state.iterations() * B);
  state.SetLabel(state.range(0) == 1 ? "bone lengths + flip" : state.range(0) == 2 ? "rotation + flip" : "flip");
}
BENCHMARK(BM_AugmentBatch)->Arg(0)->Arg(1)->Arg(2);

// The reference for the augmentation: HOIF-Net's forward and backward pass on 64 poses.
void BM_HoifTrainingStep(benchmark::State& state) {
  hoif::ModelConfig config;
  config.name = "hoif";
  const auto model = hoif::make_network(config.resolved());
  model->train();
  const torch::Tensor x = torch::rand({64, 16, 2}), y = torch::randn({64, 16, 3});
  for (auto _ : state) {
    model->zero_grad();
    torch::mse_loss(model->forward(x), y).backward();
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_HoifTrainingStep);

}  // namespace

int main(int argc, char** argv) {
  torch::set_num_threads(2);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
