// hoif bench: training and inference throughput, latency, memory and efficiency of each model,
// plus data loading and full test-set evaluation, all measured in one run.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include "commands.h"
#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/data/layouts.h"
#include "hoif/media/detect_media.h"
#include "hoif/inference/lift_keypoints.h"
#include "hoif/evaluation/evaluate.h"
#include "hoif/models/channel_product.h"
#include "hoif/training/optimizer.h"
#include "hoif/training/checkpoint.h"
#include "hoif/training/recipe.h"
#include "runtime.h"

namespace hoif::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct BenchFlags {
  std::string model = "all", json, data, profile;
  int threads = 0;
  double seconds = 3.0;
  bool full_eval = false;
  // --detector: the photo/video pipeline instead of the lifting models
  bool detector = false;
  std::string video = "/usr/share/doc/opencv-doc/examples/data/vtest.avi", lifter = "models/hoif_gt.ckpt";
  int64_t frames = 300;
};

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Runs `step` until `seconds` have passed (after two warm-up calls); returns calls per second.
template <class F>
double rate(double seconds, F&& step) {
  step();
  step();
  int64_t calls = 0;
  const auto start = Clock::now();
  do {
    step();
    ++calls;
  } while (since(start) < seconds);
  return static_cast<double>(calls) / since(start);
}

// The machine's GEMM ceiling for the shapes these models use: (4096 x 256) x (256 x 256) in fp32.
double gemm_gflops(double seconds) {
  const torch::Tensor a = torch::randn({4096, 256}), b = torch::randn({256, 256});
  torch::Tensor c = torch::empty({4096, 256});
  const double per_call = 2.0 * 4096 * 256 * 256;
  return rate(seconds, [&] { torch::mm_out(c, a, b); }) * per_call / 1e9;
}

nlohmann::ordered_json bench_model(const std::string& name, double seconds, double peak_gflops,
                                   const std::string& profile) {
  const TrainOptions o = TrainOptions::recipe(name);
  torch::manual_seed(0);
  auto model = make_network(o.model);
  const int64_t J = o.model.joints;
  const double flops = model->forward_flops_per_pose();

  // Training: the recipe's batch, optimizer step and clipping included.
  FusedAdam adam(model->parameters(), torch::optim::AdamOptions(o.lr));
  const torch::Tensor x = torch::randn({o.batch_size, J, 2}) * 0.5, y = torch::randn({o.batch_size, J, 3}) * 0.2;
  model->train();
  // With --profile, LibTorch's profiler records the training steps as a Chrome trace.
  std::unique_ptr<torch::autograd::profiler::RecordProfile> profiler;
  if (!profile.empty()) profiler = std::make_unique<torch::autograd::profiler::RecordProfile>(profile);
  const double train_steps = rate(seconds, [&] {
    torch::Tensor out = model->forward(x);
    const torch::Tensor loss = torch::mse_loss(model->predicts_root() ? out : out.slice(1, 1), model->predicts_root() ? y : y.slice(1, 1));
    adam.drop_gradients();
    loss.backward();
    adam.clip_and_step(1.0);
  });
  profiler.reset();
  const double train_pps = train_steps * static_cast<double>(o.batch_size);

  // Inference: eval mode, no autograd, batch 1024.
  model->eval();
  torch::InferenceMode guard;
  const torch::Tensor xb = torch::randn({1024, J, 2}) * 0.5;
  const double infer_pps = rate(seconds, [&] { model->forward(xb); }) * 1024.0;
  double infer_pps_bf16 = 0;  // the same with bf16 GEMM operands (evaluate --bf16, lift --bf16)
  {
    Bf16Inference bf16;
    infer_pps_bf16 = rate(seconds, [&] { model->forward(xb); }) * 1024.0;
  }

  // One pose at a time.
  const torch::Tensor x1 = torch::randn({1, J, 2}) * 0.5;
  std::vector<double> ms;
  model->forward(x1);
  const auto start = Clock::now();
  while (since(start) < seconds || ms.size() < 100) {
    const auto t = Clock::now();
    model->forward(x1);
    ms.push_back(1000.0 * since(t));
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))]; };

  nlohmann::ordered_json j;
  j["parameters"] = model->parameter_count();
  j["batch_size"] = o.batch_size;
  j["forward_mflop_per_pose"] = flops / 1e6;
  j["train_poses_per_s"] = train_pps;
  j["infer_poses_per_s"] = infer_pps;
  j["infer_poses_per_s_bf16"] = infer_pps_bf16;
  j["latency_ms_p50"] = pct(0.5);
  j["latency_ms_p99"] = pct(0.99);
  // A training step costs about three forward passes (forward, and backward for inputs and weights).
  j["train_gflops"] = 3.0 * flops * train_pps / 1e9;
  j["infer_gflops"] = flops * infer_pps / 1e9;
  j["train_efficiency"] = j["train_gflops"].get<double>() / peak_gflops;
  j["infer_efficiency"] = j["infer_gflops"].get<double>() / peak_gflops;
  j["peak_rss_mb"] = peak_rss_mb();
  return j;
}

struct PipelineRun {
  double fps = 0, detect_ms_p50 = 0;
  int64_t frames = 0;
  int width = 0, height = 0;
};

// Decode, track and detect every frame, then fill, smooth and lift them all, as `hoif lift
// --video --smooth` does; the whole wall time counts.
PipelineRun run_pipeline(const BenchFlags& f, const MoveNet& detector, LiftingNetwork& lifter) {
  const auto start = Clock::now();
  DetectedMedia d = detect_media(f.video, detector, {.max_frames = f.frames, .progress = false});
  mark_lost_as_missing(d.tracks, d.lost, f.video);
  KeypointTracks tracks = d.tracks;
  tracks.keypoints = map_to_h36m(tracks.keypoints, KeypointLayout::coco17, lifter.config().joints);
  LiftOptions o;
  o.width = d.width;
  o.height = d.height;
  o.smooth = true;
  o.fps = d.fps > 0 ? d.fps : 30;
  lift_keypoints(lifter, tracks, o, torch::Device(torch::kCPU));
  PipelineRun r;
  r.frames = static_cast<int64_t>(d.lost.size());
  r.fps = static_cast<double>(r.frames) / since(start);
  r.width = d.width;
  r.height = d.height;
  std::vector<double> detect_ms = d.detect_ms;
  std::nth_element(detect_ms.begin(), detect_ms.begin() + static_cast<std::ptrdiff_t>(detect_ms.size() / 2), detect_ms.end());
  r.detect_ms_p50 = detect_ms[detect_ms.size() / 2];
  return r;
}

// Each detector at 1 .. every core's threads; the fastest count is the figure.
nlohmann::ordered_json bench_detectors(const BenchFlags& f) {
  nlohmann::ordered_json report;
  LoadedCheckpoint lifter = load_checkpoint(f.lifter, torch::Device(torch::kCPU));
  lifter.model->eval();
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (const std::string name : {"lightning", "thunder"}) {
    const MoveNet detector(detector_model_file(name));
    nlohmann::ordered_json j, by_threads;
    PipelineRun best;
    int best_threads = 1;
    for (int threads = 1; threads <= (f.threads > 0 ? std::min(f.threads, cores) : cores); ++threads) {
      torch::set_num_threads(threads);
      const PipelineRun r = run_pipeline(f, detector, *lifter.model);
      by_threads[std::to_string(threads)] = {{"pipeline_fps", r.fps}, {"detect_ms_p50", r.detect_ms_p50}};
      fmt::print("{:<10} {} thread{}: {:6.1f} frames/s (decode, track, detect, smooth, lift), detector p50 {:5.1f} ms, "
                 "{} frames of {}x{}\n", name, threads, threads == 1 ? " " : "s", r.fps, r.detect_ms_p50, r.frames, r.width, r.height);
      if (r.fps > best.fps) {
        best = r;
        best_threads = threads;
      }
    }
    j["pipeline_fps"] = best.fps;
    j["detect_ms_p50"] = best.detect_ms_p50;
    j["threads"] = best_threads;
    j["peak_rss_mb"] = peak_rss_mb();  // of the process so far: Lightning's, then both
    j["frames"] = best.frames;
    j["video"] = f.video;
    j["size"] = {best.width, best.height};
    j["by_threads"] = by_threads;
    report[name] = j;
  }
  return report;
}

void run(const BenchFlags& f) {
  if (f.detector) {
    check_output_paths({{"--video", f.video}, {"--lifter", f.lifter}}, {{"--json", f.json}});
    if (f.frames <= 0) fail("--frames", "must be positive");
    setup_threads(f.threads);
    const nlohmann::ordered_json report = {{"detector", bench_detectors(f)}};
    if (!f.json.empty()) write_file_atomically(f.json, report.dump(2) + "\n");
    return;
  }
  check_output_paths({{"--data", f.data}}, {{"--json", f.json}, {"--profile", f.profile}});
  const int threads = setup_threads(f.threads);
  std::vector<std::string> models = f.model == "all" ? model_names() : std::vector<std::string>{f.model};
  for (const auto& m : models) TrainOptions::recipe(m);  // unknown names fail here, before any work
  if (!f.profile.empty() && models.size() != 1) throw Error("bench: --profile needs a single --model");

  nlohmann::ordered_json report;
  report["threads"] = threads;
  const double peak = gemm_gflops(f.seconds);
  report["gemm_gflops"] = peak;
  fmt::print("{} threads; fp32 GEMM (4096x256)x(256x256): {:.1f} GFLOP/s (the ceiling below)\n", threads, peak);
  fmt::print("{:<16} {:>9} {:>12} {:>12} {:>11} {:>9} {:>9} {:>10} {:>10} {:>8}\n", "model", "MFLOP/pose", "train pose/s",
             "infer pose/s", "bf16 pose/s", "p50 ms", "p99 ms", "train eff", "infer eff", "RSS MB");
  for (const auto& m : models) {
    const auto j = bench_model(m, f.seconds, peak, f.profile);
    report["models"][m] = j;
    fmt::print("{:<16} {:>9.2f} {:>12.0f} {:>12.0f} {:>11.0f} {:>9.3f} {:>9.3f} {:>9.0f}% {:>9.0f}% {:>8.0f}\n", m,
               j["forward_mflop_per_pose"].get<double>(), j["train_poses_per_s"].get<double>(),
               j["infer_poses_per_s"].get<double>(), j["infer_poses_per_s_bf16"].get<double>(), j["latency_ms_p50"].get<double>(), j["latency_ms_p99"].get<double>(),
               100 * j["train_efficiency"].get<double>(), 100 * j["infer_efficiency"].get<double>(),
               j["peak_rss_mb"].get<double>());
  }

  if (!f.data.empty()) {
    const auto t = Clock::now();
    H36mData data(f.data);
    const Datasets sets = load_datasets(data, DatasetOptions{});
    const double load = since(t);
    report["data"] = {{"path", f.data}, {"load_and_build_seconds", load}, {"train_poses", sets.train.size()},
                      {"test_poses", sets.test.size()}};
    fmt::print("data: {} loaded and {} + {} poses built in {:.2f} s\n", f.data, sets.train.size(), sets.test.size(), load);
    if (f.full_eval)
      for (const auto& m : models) {
        auto model = make_network(TrainOptions::recipe(m).model);
        const auto te = Clock::now();
        evaluate_model(*model, sets.test, torch::Device(torch::kCPU));
        const double s = since(te);
        report["models"][m]["full_test_eval_seconds"] = s;
        fmt::print("{}: full test-set evaluation ({} poses, P1 and P2 per action) in {:.1f} s\n", m, sets.test.size(), s);
      }
  }
  if (!f.json.empty()) write_file_atomically(f.json, report.dump(2) + "\n");
}

}  // namespace

void register_bench(CLI::App& app) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure training/inference throughput, latency, memory and efficiency");
  cmd->add_option("--model", f->model, "A model name or all")->capture_default_str();
  cmd->add_option("--json", f->json, "Write the figures here");
  cmd->add_option("--threads", f->threads, "CPU threads (0: every core)")->capture_default_str();
  cmd->add_option("--seconds", f->seconds, "Time per measurement")->capture_default_str();
  cmd->add_option("--data", f->data, "Also time loading this data and building the training and test sets");
  cmd->add_option("--profile", f->profile, "Record the training steps of one model as a Chrome trace here");
  cmd->add_flag("--full-eval", f->full_eval, "With --data: also time a full test-set evaluation per model");
  cmd->add_flag("--detector", f->detector, "Instead: the photo/video pipeline (decode, MoveNet Lightning and Thunder, smooth, lift)");
  cmd->add_option("--video", f->video, "--detector: the clip")->capture_default_str();
  cmd->add_option("--lifter", f->lifter, "--detector: the lifting model")->capture_default_str();
  cmd->add_option("--frames", f->frames, "--detector: frames per run")->capture_default_str();
  cmd->callback([f] { run(*f); });
}

}  // namespace hoif::cli
