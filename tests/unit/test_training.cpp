// Training: the learning-rate schedule, shuffling, checkpoints, and exact resumption.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include <torch/torch.h>

#include "fixtures.h"
#include "hoif/core/error.h"
#include "hoif/training/loss.h"
#include "hoif/training/optimizer.h"
#include "hoif/training/augment.h"
#include "hoif/training/trainer.h"
#include "hoif/training/training_log.h"
#include "hoif/training/weight_average.h"

using namespace hoif;
namespace fs = std::filesystem;

TEST(Schedule, StaircaseAsTheOriginals) {
  // lr0 * gamma^(s / decay) with s the last step that is 1 or a multiple of decay.
  EXPECT_DOUBLE_EQ(learning_rate_at(1e-3, 0.96, 100000, 1), 1e-3 * std::pow(0.96, 1e-5));
  EXPECT_DOUBLE_EQ(learning_rate_at(1e-3, 0.96, 100000, 99999), 1e-3 * std::pow(0.96, 1e-5));
  EXPECT_DOUBLE_EQ(learning_rate_at(1e-3, 0.96, 100000, 100000), 0.96e-3);
  EXPECT_DOUBLE_EQ(learning_rate_at(1e-3, 0.8, 100000, 250000), 1e-3 * 0.8 * 0.8);
  EXPECT_DOUBLE_EQ(learning_rate_at(1e-3, 0.8, 10, 35), 1e-3 * 0.8 * 0.8 * 0.8);
}

TEST(Schedule, CosineFromTheFirstToTheLastStep) {
  // lr_min + (lr0 - lr_min) (1 + cos(pi (s - 1) / (S - 1))) / 2
  EXPECT_DOUBLE_EQ(cosine_learning_rate(1e-3, 0.0, 1, 101), 1e-3);
  EXPECT_NEAR(cosine_learning_rate(1e-3, 0.0, 26, 101), 0.5e-3 * (1 + std::sqrt(0.5)), 1e-15);
  EXPECT_NEAR(cosine_learning_rate(1e-3, 0.0, 51, 101), 0.5e-3, 1e-15);
  EXPECT_NEAR(cosine_learning_rate(2e-3, 1e-5, 101, 101), 1e-5, 1e-15);
  TrainOptions o = TrainOptions::recipe("hoif");
  EXPECT_DOUBLE_EQ(o.learning_rate(100000, 500), 0.8e-3);  // the recipe: staircase
  o.lr_schedule = "cosine";
  EXPECT_NEAR(o.learning_rate(251, 501), 0.5e-3, 1e-15);
  o.lr_schedule = "constant";
  EXPECT_DOUBLE_EQ(o.learning_rate(1, 501), 1e-3);
  EXPECT_DOUBLE_EQ(o.learning_rate(500000, 501, 1e6), 1e-3);
}

TEST(Schedule, CosineOverATrainingTimeFollowsTheTimeNotTheSteps) {
  TrainOptions o = TrainOptions::recipe("hoif");
  o.lr_schedule = "cosine";
  o.train_minutes = 10;
  // Whatever the step: a quarter of the 600 s gives lr0 (1 + cos(pi / 4)) / 2.
  EXPECT_NEAR(o.learning_rate(7, 1000, 150.0), 0.5e-3 * (1 + std::sqrt(0.5)), 1e-15);
  EXPECT_NEAR(o.learning_rate(900, 1000, 150.0), 0.5e-3 * (1 + std::sqrt(0.5)), 1e-15);
  EXPECT_NEAR(o.learning_rate(7, 1000, 300.0), 0.5e-3, 1e-15);
  EXPECT_NEAR(o.learning_rate(7, 1000, 900.0), 0.0, 1e-15);  // past the end: lr_min
  EXPECT_FALSE(o.training_time_used(599.9));
  EXPECT_TRUE(o.training_time_used(600.0));
  o.train_minutes = 0;
  EXPECT_FALSE(o.training_time_used(1e9));
}

TEST(Schedule, RecipesAreTheOriginals) {
  const TrainOptions m = TrainOptions::recipe("martinez"), s = TrainOptions::recipe("semgcn"),
                     n = TrainOptions::recipe("semgcn-nonlocal"), h = TrainOptions::recipe("hgcn"),
                     o = TrainOptions::recipe("hoif");
  EXPECT_EQ(m.batch_size, 64);
  EXPECT_EQ(m.epochs, 200);
  EXPECT_EQ(m.model.dropout, 0.5);
  EXPECT_EQ(s.epochs, 50);
  EXPECT_EQ(n.epochs, 30);
  EXPECT_EQ(h.batch_size, 256);
  EXPECT_DOUBLE_EQ(h.lr_gamma, 0.8);
  EXPECT_EQ(o.model.hid_dim, 64);
  EXPECT_DOUBLE_EQ(s.lr_gamma, 0.96);
  EXPECT_EQ(o.lr_decay, 100000);
  EXPECT_TRUE(o.max_norm);
}

TEST(Shuffle, EachEpochIsADeterministicPermutation) {
  const auto a = epoch_permutation(7, 0, 1000), b = epoch_permutation(7, 0, 1000), c = epoch_permutation(7, 1, 1000);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
}

namespace {

// A small synthetic pose set: targets are a fixed smooth function of the inputs.
PoseSet synthetic_set(int64_t n, uint64_t seed) {
  PoseSet s;
  s.keypoints = "synthetic";
  s.num_joints = 16;
  s.subjects = {"S1"};
  s.takes = {"Walking"};
  torch::manual_seed(seed);
  const torch::Tensor x = torch::rand({n, 16, 2}) * 2 - 1;
  torch::Tensor y = torch::cat({x * 0.3, (0.2 * (x.select(2, 0) + x.select(2, 1))).unsqueeze(2)}, 2);
  y = y - y.narrow(1, 0, 1);
  s.inputs = ArrayF({n, 16, 2});
  s.targets = ArrayF({n, 16, 3});
  std::memcpy(s.inputs.data(), x.contiguous().data_ptr<float>(), sizeof(float) * static_cast<size_t>(n * 32));
  std::memcpy(s.targets.data(), y.contiguous().data_ptr<float>(), sizeof(float) * static_cast<size_t>(n * 48));
  for (int64_t i = 0; i < n; ++i) s.info.push_back({0, 13, static_cast<uint8_t>(i % 4), 0, static_cast<uint32_t>(i)});
  // Where bone-length augmentation re-projects: every root 5 m in front of a pinhole camera.
  const Camera cam = test::pinhole_camera();
  s.cameras = {CameraRig{cam, cam, cam, cam}};
  s.roots = ArrayF({n, 3});
  for (int64_t i = 0; i < n; ++i) s.roots.data()[i * 3 + 2] = 5.0f;
  return s;
}

TrainOptions small_options(const fs::path& dir, const std::string& model) {
  TrainOptions o = TrainOptions::recipe(model);
  o.model.hid_dim = 8;
  o.model.num_layers = 2;
  o.model.dropout = model == "martinez" ? 0.2 : 0.0;  // exercise the RNG on resume
  o.model = o.model.resolved();
  o.epochs = 3;
  o.batch_size = 32;
  o.lr_decay = 7;  // several decays within the run
  o.checkpoint_dir = dir.string();
  o.snapshot = 2;
  o.seed = 11;
  o.monitor_test = true;  // the per-epoch evaluation and best.ckpt are what several tests check
  return o;
}

TrainRun run_of(const TrainOptions& options, const PoseSet& train, const PoseSet& test) {
  TrainRun r;
  r.options = options;
  r.train = &train;
  r.test = &test;
  r.progress_bar = false;
  return r;
}

// Every weight and buffer a checkpoint keeps: the model's, then the training weights' if any.
std::vector<torch::Tensor> parameters_of(const std::string& checkpoint) {
  LoadedCheckpoint c = load_checkpoint(checkpoint, torch::Device(torch::kCPU));
  std::vector<torch::Tensor> out;
  for (const auto& model : {c.model, c.training_model}) {
    if (!model) continue;
    for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
    for (const auto& b : model->buffers()) out.push_back(b.detach().clone());
  }
  return out;
}

}  // namespace

// (model, budgeted): budgeted adds the cosine schedule, flip augmentation, flip test-time
// averaging, a weight average, a strided per-epoch test, a second optimizer group for the
// output layer's rate, decoupled weight decay and a checkpoint after every batch.
class Resume : public ::testing::TestWithParam<std::tuple<const char*, bool>> {
 protected:
  TrainOptions options(const fs::path& dir) const {
    TrainOptions o = small_options(dir, std::get<0>(GetParam()));
    if (std::get<1>(GetParam())) {
      o.lr_schedule = "cosine";
      o.lr_min = 1e-5;
      o.flip_augment = true;
      o.flip_test = true;
      o.weight_average = 0.9;
      o.eval_downsample = 3;
      o.save_every_minutes = 1e-9;
      o.output_lr_scale = 0.5;
      o.weight_decay = 0.01;
    }
    return o;
  }
  std::string name() const { return std::string(std::get<0>(GetParam())) + (std::get<1>(GetParam()) ? "_budgeted" : ""); }
};

TEST_P(Resume, InterruptedAndResumedRunEqualsAnUninterruptedOne) {
  torch::set_num_threads(1);
  const PoseSet train = synthetic_set(300, 1), test = synthetic_set(64, 2);
  const fs::path whole = test::temp_dir("resume_whole_" + name());
  const fs::path parts = test::temp_dir("resume_parts_" + name());

  TrainRun a = run_of(options(whole), train, test);
  const TrainOutcome full = train_model(a);
  ASSERT_TRUE(full.finished);
  EXPECT_EQ(full.state.step, 3 * 10);  // ceil(300 / 32) = 10 batches per epoch
  for (const char* f : {"last.ckpt", "best.ckpt", "epoch_0002.ckpt", "log.csv", "loss.png", "test_error.png"})
    EXPECT_TRUE(fs::exists(whole / f)) << f;

  // Stop in the middle of the second epoch, then resume from last.ckpt.
  int batches = 0;
  TrainRun b = run_of(options(parts), train, test);
  // The flag is polled after every batch and once more after each epoch's evaluation, so the
  // 14th poll comes after batch 3 of epoch 2.
  b.stop_requested = [&] { return ++batches == 14; };
  const TrainOutcome stopped = train_model(b);
  ASSERT_FALSE(stopped.finished);
  EXPECT_EQ(stopped.state.epoch, 1);
  EXPECT_EQ(stopped.state.batch_in_epoch, 3);

  TrainRun c = run_of(options(parts), train, test);
  c.resume = load_checkpoint((parts / "last.ckpt").string(), torch::Device(torch::kCPU));
  const TrainOutcome resumed = train_model(c);
  ASSERT_TRUE(resumed.finished);
  EXPECT_EQ(resumed.state.step, full.state.step);
  ASSERT_EQ(resumed.state.history.size(), full.state.history.size());
  for (size_t i = 0; i < full.state.history.size(); ++i) {
    EXPECT_EQ(resumed.state.history[i].loss, full.state.history[i].loss) << "epoch " << i + 1;
    EXPECT_EQ(resumed.state.history[i].p1, full.state.history[i].p1) << "epoch " << i + 1;
  }
  const auto pa = parameters_of((whole / "last.ckpt").string()), pb = parameters_of((parts / "last.ckpt").string());
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "tensor " << i << " differs";
}

INSTANTIATE_TEST_SUITE_P(Models, Resume, ::testing::Combine(::testing::Values("martinez", "semgcn", "hoif"), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param)) + (std::get<1>(info.param) ? "_budgeted" : "");
                         });

// A run whose training time is used ends there, mid-epoch, evaluated and finished.
TEST(TrainMinutes, TheRunEndsWhenItsTrainingTimeIsUsed) {
  torch::set_num_threads(1);
  const PoseSet train = synthetic_set(300, 1), test = synthetic_set(64, 2);
  const fs::path dir = test::temp_dir("train_minutes");
  TrainOptions o = small_options(dir, "semgcn");
  o.lr_schedule = "cosine";
  o.train_minutes = 1e-12;  // used by the first batch
  TrainRun r = run_of(o, train, test);
  const TrainOutcome out = train_model(r);
  ASSERT_TRUE(out.finished);
  EXPECT_EQ(out.state.step, 1);
  EXPECT_EQ(out.state.poses_seen, 32);
  ASSERT_EQ(out.state.history.size(), 1u);
  EXPECT_EQ(out.state.history[0].poses_seen, 32);
  EXPECT_GT(out.state.history[0].p1, 0.0);
  EXPECT_TRUE(fs::exists(dir / "log.csv"));
  EXPECT_EQ(load_checkpoint((dir / "last.ckpt").string(), torch::Device(torch::kCPU)).options.train_minutes, 1e-12);
}

// With training subjects held out, the per-epoch evaluation is on them and every report says so;
// the checkpoint keeps which subjects they were.
TEST(ValidationSubjects, TheRunReportsAndKeepsTheHeldOutSet) {
  torch::set_num_threads(1);
  const PoseSet train = synthetic_set(64, 1), validation = synthetic_set(32, 2);
  const fs::path dir = test::temp_dir("validation_subjects");
  TrainOptions o = small_options(dir, "semgcn");
  o.epochs = 1;
  o.data.validation_subjects = {"S7", "S8"};
  TrainRun r = run_of(o, train, validation);
  std::string log;
  r.log = [&](const std::string& line) { log += line + "\n"; };
  ASSERT_TRUE(train_model(r).finished);
  EXPECT_NE(log.find("64 training poses, 32 validation poses"), std::string::npos) << log;
  EXPECT_NE(log.find("  validation P1 "), std::string::npos) << log;
  EXPECT_EQ(log.find("test"), std::string::npos) << log;
  const TrainOptions kept = load_checkpoint((dir / "last.ckpt").string(), torch::Device(torch::kCPU)).options;
  EXPECT_EQ(kept.data.validation_subjects, (std::vector<std::string>{"S7", "S8"}));
  EXPECT_EQ(kept.best_epoch_selection(), "selected on the held-out training subjects S7 S8");
  EXPECT_EQ(TrainOptions::recipe("semgcn").best_epoch_selection(), "no per-epoch evaluation");
  TrainOptions monitored = TrainOptions::recipe("semgcn");
  monitored.monitor_test = true;
  EXPECT_EQ(monitored.best_epoch_selection(), "selected on the test set, as the original code does: a test-monitored run");
}

// By default a run looks at no held-out poses: no per-epoch error, no best.ckpt, no error curve;
// its log and checkpoint keep the epochs' losses with the errors unmeasured.
TEST(TestMonitoring, WithoutHeldOutSubjectsOrMonitorTestNothingIsEvaluated) {
  torch::set_num_threads(1);
  const PoseSet train = synthetic_set(64, 1);
  const fs::path dir = test::temp_dir("unmonitored");
  TrainOptions o = small_options(dir, "semgcn");
  o.monitor_test = false;
  o.epochs = 2;
  ASSERT_EQ(o.evaluation_set(), "none");
  TrainRun r = run_of(o, train, train);
  r.test = nullptr;  // nothing to evaluate is needed
  std::string log;
  r.log = [&](const std::string& line) { log += line + "\n"; };
  const TrainOutcome out = train_model(r);
  ASSERT_TRUE(out.finished);
  EXPECT_NE(log.find("not evaluated"), std::string::npos) << log;
  EXPECT_EQ(log.find("P1"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir / "best.ckpt"));
  EXPECT_FALSE(fs::exists(dir / "test_error.png"));
  EXPECT_TRUE(fs::exists(dir / "loss.png"));
  const LoadedCheckpoint c = load_checkpoint((dir / "last.ckpt").string(), torch::Device(torch::kCPU));
  EXPECT_FALSE(c.options.monitor_test);
  ASSERT_EQ(c.state.history.size(), 2u);
  EXPECT_TRUE(std::isnan(c.state.history[1].p1));
  EXPECT_GT(c.state.history[1].loss, 0.0);
  const std::vector<EpochRecord> csv = read_training_log((dir / "log.csv").string());
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_TRUE(std::isnan(csv[0].p1) && std::isnan(csv[0].p2));
  EXPECT_EQ(csv[1].poses_seen, 128);
}

// Checkpoints written before the option existed evaluated the test set after every epoch unless
// they held subjects out: they read back as test-monitored.
TEST(TestMonitoring, OlderCheckpointsWithoutTheFieldWereTestMonitored) {
  TrainOptions o = TrainOptions::recipe("hoif");
  nlohmann::json j = nlohmann::json::parse(o.to_json());
  j.erase("monitor_test");
  EXPECT_TRUE(TrainOptions::from_json(j.dump(), "old").monitor_test);
  j["validation_subjects"] = {"S8"};
  EXPECT_FALSE(TrainOptions::from_json(j.dump(), "old").monitor_test);
  EXPECT_FALSE(TrainOptions::from_json(o.to_json(), "new").monitor_test);
}

// Adam's first step moves each weight whose gradient is not zero by exactly the learning rate
// (bias-corrected m / sqrt(v) = g / |g|): the output layer's weights by the scaled rate.
TEST(OutputLearningRate, TheOutputLayerStepsByTheScaledRateTheOthersByTheRate) {
  for (const std::string name : {"martinez", "hgcn"}) {
    SCOPED_TRACE(name);
    TrainOptions o = TrainOptions::recipe(name);
    o.output_lr_scale = 0.1;
    torch::manual_seed(1);
    auto model = make_network(o.model);
    model->train();
    FusedAdam optimizer(parameter_groups(*model, o), torch::optim::AdamOptions(1.0));
    ASSERT_EQ(optimizer.param_groups().size(), 2u);
    set_learning_rate(optimizer, o, 1e-3);
    std::map<std::string, torch::Tensor> before;
    for (const auto& p : model->named_parameters()) before[p.key()] = p.value().detach().clone();
    model->forward(torch::randn({8, 16, 2})).square().mean().backward();
    optimizer.step();
    const std::string output = model->output_layer_name() + ".";
    int outputs = 0, others = 0;
    for (const auto& p : model->named_parameters()) {
      // A bias just before BatchNorm has a zero gradient (the batch mean takes it out), and
      // Adam's eps (1e-8) shortens the step of a tiny one: those are left out.
      if (p.value().grad().abs().max().item<double>() < 1e-4) continue;
      const bool is_output = p.key().rfind(output, 0) == 0;
      (is_output ? outputs : others) += 1;
      const double moved = (p.value() - before[p.key()]).abs().max().item<double>();
      EXPECT_NEAR(moved, is_output ? 1e-4 : 1e-3, 1e-6) << p.key();
    }
    EXPECT_GE(outputs, 2);  // the output layer's weight and bias
    EXPECT_GE(others, 6);
  }
  TrainOptions originals = TrainOptions::recipe("hoif");
  auto model = make_network(originals.model);
  EXPECT_EQ(parameter_groups(*model, originals).size(), 1u);
}

// The linear model's weight matrices: its input layer (1024 x 32), two stages of two
// 1024 x 1024 layers and its output layer (45 x 1024: the 15 joints besides the root, whose
// prediction is zero); none of its biases or BatchNorm scales.
TEST(WeightDecay, DecaysTheWeightMatricesOnly) {
  auto martinez = make_network(TrainOptions::recipe("martinez").model);
  const auto decayed = decayed_parameters(*martinez);
  ASSERT_EQ(decayed.size(), 6u);
  int64_t elements = 0;
  for (const auto& p : decayed) elements += p.numel();
  EXPECT_EQ(elements, 1024 * 32 + 4 * 1024 * 1024 + 45 * 1024);
  // SemGCN: the input layer, two per residual block (four blocks) and the output layer; its
  // softmax-normalised edge weights e (also two-dimensional) are left alone.
  auto semgcn = make_network(TrainOptions::recipe("semgcn").model);
  EXPECT_EQ(decayed_parameters(*semgcn).size(), 10u);
}

TEST(WeightAverage, DecayWarmsUpThenHolds) {
  EXPECT_DOUBLE_EQ(weight_average_decay(0.999, 1), 2.0 / 11.0);
  EXPECT_DOUBLE_EQ(weight_average_decay(0.999, 100), 101.0 / 110.0);
  EXPECT_DOUBLE_EQ(weight_average_decay(0.999, 100000), 0.999);
}

TEST(WeightAverage, MovesEachTensorTowardsTheModelByOneMinusTheDecay) {
  torch::nn::Sequential average(torch::nn::Linear(2, 1), torch::nn::BatchNorm1d(1));
  torch::nn::Sequential model(torch::nn::Linear(2, 1), torch::nn::BatchNorm1d(1));
  torch::NoGradGuard no_grad;
  for (auto& p : average->parameters()) p.fill_(1.0);
  for (auto& p : model->parameters()) p.fill_(3.0);
  model->named_buffers()["1.running_mean"].fill_(5.0);  // average's: 0
  model->named_buffers()["1.num_batches_tracked"].fill_(7);
  update_weight_average(*average, *model, 0.5, 1000);  // decay 0.5 once warmed up
  for (const auto& p : average->parameters()) EXPECT_TRUE(torch::allclose(p, torch::full_like(p, 2.0)));
  EXPECT_FLOAT_EQ(average->named_buffers()["1.running_mean"].item<float>(), 2.5);
  EXPECT_EQ(average->named_buffers()["1.num_batches_tracked"].item<int64_t>(), 7);  // copied, not averaged
  update_weight_average(*average, *model, 0.5, 1001);
  for (const auto& p : average->parameters()) EXPECT_TRUE(torch::allclose(p, torch::full_like(p, 2.5)));
  copy_weights(*average, *model);
  for (const auto& p : average->parameters()) EXPECT_TRUE(torch::equal(p, torch::full_like(p, 3.0)));
  torch::nn::Sequential other(torch::nn::Linear(2, 1));
  EXPECT_THROW(update_weight_average(*other, *model, 0.5, 1), std::invalid_argument);
}

TEST(WeightAverage, CheckpointsKeepTheAverageAsTheModelAndTheTrainingWeightsBeside) {
  torch::set_num_threads(1);
  const PoseSet train = synthetic_set(300, 1), test = synthetic_set(64, 2);
  TrainOptions o = small_options(test::temp_dir("weight_average"), "semgcn");
  o.weight_average = 0.9;
  TrainRun r = run_of(o, train, test);
  ASSERT_TRUE(train_model(r).finished);
  LoadedCheckpoint c = load_checkpoint((fs::path(o.checkpoint_dir) / "last.ckpt").string(), torch::Device(torch::kCPU));
  ASSERT_TRUE(c.training_model);
  EXPECT_FALSE(torch::equal(c.model->parameters()[0], c.training_model->parameters()[0]));

  TrainOptions plain = small_options(test::temp_dir("no_weight_average"), "semgcn");
  TrainRun p = run_of(plain, train, test);
  ASSERT_TRUE(train_model(p).finished);
  EXPECT_FALSE(load_checkpoint((fs::path(plain.checkpoint_dir) / "last.ckpt").string(), torch::Device(torch::kCPU)).training_model);
}

TEST(Training, FlipAugmentationMirrorsHalfThePosesReproducibly) {
  const torch::Tensor a = flip_augment_mask(3, 0, 0, 20000), b = flip_augment_mask(3, 0, 0, 20000);
  EXPECT_TRUE(torch::equal(a, b));
  // Binomial(20000, 1/2): the standard deviation is 71 poses; 5 of them is 354.
  EXPECT_NEAR(a.sum().item<int64_t>(), 10000, 354);
  // A later batch continues the same sequence; another epoch draws a different one.
  EXPECT_TRUE(torch::equal(flip_augment_mask(3, 0, 500, 100), a.narrow(0, 500, 100)));
  EXPECT_FALSE(torch::equal(flip_augment_mask(3, 1, 0, 20000), a));
}

TEST(Training, FlipAugmentationChangesWhatIsLearned) {
  torch::set_num_threads(1);
  const PoseSet train = synthetic_set(300, 1), test = synthetic_set(64, 2);
  TrainOptions plain = small_options(test::temp_dir("flip_plain"), "semgcn");
  TrainOptions flipped = small_options(test::temp_dir("flip_on"), "semgcn");
  flipped.flip_augment = true;
  TrainRun a = run_of(plain, train, test), b = run_of(flipped, train, test);
  const TrainOutcome pa = train_model(a), pb = train_model(b);
  // The synthetic targets are not mirror-symmetric, so training on mirrored poses changes the loss.
  EXPECT_NE(pa.state.history[0].loss, pb.state.history[0].loss);
}

TEST(Training, BoneAndRotationAugmentationChangeWhatIsLearnedAndNeedCameras) {
  torch::set_num_threads(1);
  PoseSet train = synthetic_set(300, 1);
  const PoseSet test = synthetic_set(64, 2);
  TrainOptions plain = small_options(test::temp_dir("bones_plain"), "semgcn");
  TrainOptions scaled = small_options(test::temp_dir("bones_on"), "semgcn");
  scaled.bone_augment = 0.2;
  TrainRun a = run_of(plain, train, test), b = run_of(scaled, train, test);
  const TrainOutcome pa = train_model(a), pb = train_model(b);
  EXPECT_NE(pa.state.history[0].loss, pb.state.history[0].loss);
  EXPECT_EQ(TrainOptions::from_json(scaled.to_json(), "test").bone_augment, 0.2);
  TrainOptions turned = small_options(test::temp_dir("rotation_on"), "semgcn");
  turned.rotate_augment = 30;
  TrainRun d = run_of(turned, train, test);
  const TrainOutcome pd = train_model(d);
  EXPECT_NE(pa.state.history[0].loss, pd.state.history[0].loss);
  EXPECT_NE(pb.state.history[0].loss, pd.state.history[0].loss);
  EXPECT_EQ(TrainOptions::from_json(turned.to_json(), "test").rotate_augment, 30);

  train.roots = ArrayF();
  TrainRun c = run_of(scaled, train, test);
  const std::string message = test::error_of([&] { train_model(c); });
  EXPECT_NE(message.find("--bone-augment/--rotate-augment: the training poses carry no camera positions"), std::string::npos) << message;
}

TEST(Training, LearnsTheSyntheticMapping) {
  torch::set_num_threads(1);
  const PoseSet train = synthetic_set(4000, 3), test = synthetic_set(200, 4);
  // Each target joint is a linear function of its own 2D point and the root's: the linear model
  // sees every joint at once, so it must learn this quickly.
  TrainOptions o = small_options(test::temp_dir("learns"), "martinez");
  o.model.hid_dim = 64;
  o.model.dropout = 0.0;
  o.epochs = 5;
  o.lr = 1e-2;
  o.lr_decay = 100000;
  TrainRun r = run_of(o, train, test);
  const TrainOutcome out = train_model(r);
  EXPECT_LT(out.state.history.back().loss, 0.5 * out.state.history.front().loss);
  EXPECT_LT(out.state.history.back().p1, 0.5 * out.state.baseline_p1);
}

TEST(Checkpoint, RoundTripKeepsModelOptimizerAndState) {
  const fs::path dir = test::temp_dir("ckpt_roundtrip");
  TrainOptions o = small_options(dir, "hgcn");
  auto model = make_network(o.model);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-3));
  const torch::Tensor x = torch::randn({4, 16, 2});
  torch::mse_loss(model->forward(x), torch::zeros({4, 16, 3})).backward();
  adam.step();
  TrainState s;
  s.epoch = 2;
  s.step = 77;
  s.lr = 5e-4;
  s.history.push_back({1, 1e-3, 0.25, 80.5, 60.25, 1000, 12.5});
  save_checkpoint((dir / "a.ckpt").string(), o, s, *model, &adam);

  LoadedCheckpoint c = load_checkpoint((dir / "a.ckpt").string(), torch::Device(torch::kCPU));
  EXPECT_EQ(c.options.model.name, "hgcn");
  EXPECT_EQ(c.options.model.hid_dim, 8);
  EXPECT_EQ(c.options.batch_size, 32);
  EXPECT_EQ(c.state.step, 77);
  EXPECT_EQ(c.state.history.at(0).p2, 60.25);
  model->eval();
  c.model->eval();
  EXPECT_TRUE(torch::allclose(model->forward(x), c.model->forward(x)));
  torch::optim::Adam adam2(c.model->parameters(), torch::optim::AdamOptions(1e-3));
  restore_optimizer(c, adam2);
  const auto& s1 = static_cast<torch::optim::AdamParamState&>(*adam.state().begin()->second);
  const auto& s2 = static_cast<torch::optim::AdamParamState&>(*adam2.state().begin()->second);
  EXPECT_EQ(s1.step(), s2.step());
}

TEST(Checkpoint, CorruptFilesAreCleanErrors) {
  const fs::path dir = test::temp_dir("ckpt_corrupt");
  TrainOptions o = small_options(dir, "semgcn");
  auto model = make_network(o.model);
  save_checkpoint((dir / "good.ckpt").string(), o, TrainState{}, *model, nullptr);
  fs::copy_file(dir / "good.ckpt", dir / "cut.ckpt");
  fs::resize_file(dir / "cut.ckpt", fs::file_size(dir / "good.ckpt") / 2);
  std::ofstream(dir / "text.ckpt") << "hello";
  for (const char* name : {"cut.ckpt", "text.ckpt", "missing.ckpt"}) {
    try {
      load_checkpoint((dir / name).string(), torch::Device(torch::kCPU));
      FAIL() << name;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
}

TEST(PoseLoss, MseAndMpjpeOnAHandComputedPair) {
  // Two joints: one off by (0.3, 0.4, 0) m (distance 0.5), one exactly on target.
  const torch::Tensor target = torch::zeros({1, 2, 3});
  const torch::Tensor predicted = torch::tensor({0.3f, 0.4f, 0.0f, 0.0f, 0.0f, 0.0f}).view({1, 2, 3}).requires_grad_();
  EXPECT_NEAR(pose_loss(predicted, target, "mse").item<double>(), (0.09 + 0.16) / 6, 1e-7);
  const torch::Tensor mpjpe = pose_loss(predicted, target, "mpjpe");
  EXPECT_NEAR(mpjpe.item<double>(), 0.5 / 2, 1e-7);
  mpjpe.backward();
  // d/dp of |p| / 2 is p / (2 |p|): (0.3, 0.4, 0) / 1; the joint on target gets 0, not NaN.
  const torch::Tensor want = torch::tensor({0.3f, 0.4f, 0.0f, 0.0f, 0.0f, 0.0f}).view({1, 2, 3});
  EXPECT_TRUE(torch::allclose(predicted.grad(), want, 1e-6, 1e-7)) << predicted.grad();
  EXPECT_THROW(pose_loss(predicted, target, "l1"), std::exception);
  // A checkpoint's configuration naming another loss is refused when read, naming the file.
  TrainOptions o = TrainOptions::recipe("hoif");
  o.loss = "l1";
  try {
    TrainOptions::from_json(o.to_json(), "run/last.ckpt");
    ADD_FAILURE() << "an unknown loss was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "run/last.ckpt: unknown training loss 'l1'");
  }
}
