#include "hoif/training/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <torch/torch.h>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/core/progress.h"
#include "hoif/evaluation/metrics.h"
#include "hoif/training/augment.h"
#include "hoif/training/data_parallel.h"
#include "hoif/training/loss.h"
#include "hoif/training/optimizer.h"
#include "hoif/training/training_log.h"
#include "hoif/training/weight_average.h"
#include "hoif/evaluation/evaluate.h"
#include "hoif/inference/predict.h"
#include "hoif/visualization/plot.h"

namespace hoif {

namespace fs = std::filesystem;

std::vector<int64_t> epoch_permutation(uint64_t seed, int epoch, int64_t size) {
  std::vector<int64_t> order(static_cast<size_t>(size));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) + 1);
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

std::vector<torch::optim::OptimizerParamGroup> parameter_groups(PoseLifter& model, const TrainOptions& options) {
  if (options.output_lr_scale == 1.0) return {torch::optim::OptimizerParamGroup(model.parameters())};
  const std::string prefix = model.output_layer_name() + ".";
  std::vector<torch::Tensor> hidden, output;
  for (const auto& p : model.named_parameters()) (p.key().rfind(prefix, 0) == 0 ? output : hidden).push_back(p.value());
  if (output.empty()) fail("--output-lr-scale", "model has no parameters named " + prefix + "*");
  return {torch::optim::OptimizerParamGroup(hidden), torch::optim::OptimizerParamGroup(output)};
}

std::vector<torch::Tensor> decayed_parameters(PoseLifter& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model.named_parameters()) {
    const std::string name = p.key().substr(p.key().rfind('.') + 1);  // npos + 1 == 0: the whole key
    if ((name == "W" || name == "weight") && p.value().dim() >= 2) out.push_back(p.value());
  }
  return out;
}

void set_learning_rate(torch::optim::Optimizer& optimizer, const TrainOptions& options, double lr) {
  auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g)
    static_cast<torch::optim::AdamOptions&>(groups[g].options()).lr(g == 1 ? lr * options.output_lr_scale : lr);
}

namespace {

void write_plots(const fs::path& dir, const TrainOptions& o, const TrainState& s) {
  const std::string loss_unit = o.loss == "mse" ? "MSE (m^2)" : "MPJPE (m)";
  const std::string pooled = fmt::format(" (all {} poses pooled)", o.evaluation_set());
  PlotSeries loss{"training " + loss_unit, {}, {}}, p1{"P1" + pooled, {}, {}}, p2{"P2" + pooled, {}, {}};
  for (const auto& r : s.history) {
    loss.x.push_back(r.epoch);
    loss.y.push_back(r.loss);
    p1.x.push_back(r.epoch);
    p1.y.push_back(r.p1);
    p2.x.push_back(r.epoch);
    p2.y.push_back(r.p2);
  }
  const std::string what = fmt::format("{} on {} 2D", o.model.name, o.data.keypoints);
  write_line_plot((dir / "loss.png").string(), {"Training loss, " + what, "epoch", loss_unit, true, true}, {loss});
  if (!o.evaluates_each_epoch()) return;
  const std::string title = o.evaluation_set() == "test" ? "Test error per epoch, " : "Validation error per epoch, ";
  write_line_plot((dir / "test_error.png").string(), {title + what, "epoch", "mm", false, true}, {p1, p2});
}

// Rows [first, first + count) of every `stride`-th row of an (N, ...) array.
ArrayF every_nth(const ArrayF& a, int stride, int64_t first, int64_t count) {
  std::vector<int64_t> shape = a.shape;
  const int64_t row = a.size() / std::max<int64_t>(1, a.dim(0));
  shape[0] = count;
  ArrayF out(shape);
  for (int64_t i = 0; i < count; ++i)
    std::copy_n(a.data() + (first + i) * stride * row, row, out.data() + i * row);
  return out;
}

// Pooled P1/P2 over the test set (every eval_stride-th pose), as the originals log every epoch;
// in a data-parallel run each rank lifts its share of the poses.
std::pair<double, double> pooled_test_error(PoseLifter& model, const PoseSet& test, const TrainOptions& o,
                                            const torch::Device& device, ProcessGroup* ranks) {
  const int64_t evaluated = (test.size() + o.eval_stride - 1) / o.eval_stride;
  const auto [first, count] = ranks ? rank_share(evaluated, ranks->rank(), ranks->size()) : std::pair{int64_t{0}, evaluated};
  double sums[3] = {0, 0, static_cast<double>(count)};  // P1 and P2 summed over the poses (m), poses
  if (count > 0) {
    const ArrayF targets = every_nth(test.targets, o.eval_stride, first, count);
    const ArrayF predicted = predict_poses(model, every_nth(test.inputs, o.eval_stride, first, count), device, o.flip_test);
    const auto p1 = mpjpe_per_frame(root_relative(predicted), targets), p2 = p_mpjpe_per_frame(predicted, targets);
    sums[0] = std::accumulate(p1.begin(), p1.end(), 0.0);
    sums[1] = std::accumulate(p2.begin(), p2.end(), 0.0);
  }
  if (ranks) ranks->sum(sums, 3);
  return {1000.0 * (sums[0] / sums[2]), 1000.0 * (sums[1] / sums[2])};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A diverged run is stopped before its weights reach a checkpoint.
void check_finite(double loss, int64_t step, const fs::path& dir) {
  if (!std::isfinite(loss))
    fail("training", fmt::format("the loss is not finite at step {} (diverged); {} keeps the last good state", step,
                                 (dir / "last.ckpt").string()));
}

}  // namespace

TrainOutcome train_model(TrainRun& run) {
  TrainOptions& o = run.options;
  const PoseSet& train = *run.train;
  // The per-epoch evaluation's poses: the held-out or (test-monitored) the test subjects, or none.
  const PoseSet* monitored = o.evaluates_each_epoch() ? run.test : nullptr;
  if (o.evaluates_each_epoch() && !run.test) fail("training", "no poses given for the per-epoch evaluation");
  if (train.size() == 0) fail("training set", "is empty (check --actions, --validation-subjects and the data)");
  if (train.num_joints != o.model.joints)
    fail("--keypoints", fmt::format("give {} joints but the model was built for {}", train.num_joints, o.model.joints));
  const torch::Device device(o.device);
  const fs::path dir(o.checkpoint_dir);
  // Data-parallel: rank 0 alone writes checkpoints, logs and plots; decisions to stop are agreed.
  const std::unique_ptr<DataParallel> parallel =
      run.ranks && run.ranks->size() > 1 ? std::make_unique<DataParallel>(*run.ranks) : nullptr;
  ProcessGroup* ranks = parallel ? &parallel->group() : nullptr;
  const bool writes = !ranks || ranks->rank() == 0;
  if (ranks && o.batch_size % ranks->size() != 0)
    fail("--batch-size", fmt::format("{} does not split evenly over {} ranks; use a multiple of {}", o.batch_size,
                                     ranks->size(), ranks->size()));
  auto any_rank = [&](bool flag) { return ranks ? ranks->any(flag) : flag; };
  auto rank0_says = [&](bool flag) { return ranks ? ranks->any(writes && flag) : flag; };
  if (writes) fs::create_directories(dir);

  std::shared_ptr<PoseLifter> model, average;  // average: of the weights, evaluated and saved as the model
  TrainState state;
  if (run.resume) {
    model = run.resume->training_model ? run.resume->training_model : run.resume->model;
    if (o.weight_average > 0) {
      if (!run.resume->training_model) fail(run.resume->path, "keeps no weight average to resume");
      average = run.resume->model;
    }
    state = run.resume->state;
  } else {
    torch::manual_seed(o.seed);
    model = make_lifter(o.model);
    model->to(device);
    if (o.weight_average > 0) {
      average = make_lifter(o.model);
      average->to(device);
      copy_weights(*average, *model);
    }
    state.lr = o.lr;
    state.baseline_p1 = monitored && monitored->size() ? mean_pose_baseline_p1(train, *monitored) : 0.0;
  }
  FusedAdam optimizer(parameter_groups(*model, o), torch::optim::AdamOptions(o.lr));
  if (o.weight_decay > 0) optimizer.set_decoupled_weight_decay(o.weight_decay, decayed_parameters(*model));
  if (run.resume) {
    restore_optimizer(*run.resume, optimizer);
    restore_rng(*run.resume);
  }
  PoseLifter& evaluated = average ? *average : *model;
  auto save = [&](const std::string& name) {
    if (writes) save_checkpoint((dir / name).string(), o, state, *model, &optimizer, average.get());
  };
  if (writes) write_file_atomically(dir / "config.json", o.to_json() + "\n");
  const std::string evaluated_on = o.evaluation_set();
  const std::string monitored_poses = monitored ? fmt::format(", {} {} poses", monitored->size(), evaluated_on) : "";
  run.log(fmt::format("{}: {} parameters; {} training poses{}; {} epochs of batch {}", o.model.name,
                      model->parameter_count(), train.size(), monitored_poses, o.epochs, o.batch_size));
  if (monitored)
    run.log(fmt::format("trivial baseline (mean training pose): {} P1 {:.2f} mm", evaluated_on, state.baseline_p1));

  const int64_t n = train.size(), J = train.num_joints;
  const torch::Tensor inputs = torch::from_blob(const_cast<float*>(train.inputs.data()), {n, J, 2}, torch::kFloat);
  const torch::Tensor targets = torch::from_blob(const_cast<float*>(train.targets.data()), {n, J, 3}, torch::kFloat);
  const int64_t batches = (n + o.batch_size - 1) / o.batch_size;
  const int64_t total_steps = batches * o.epochs;
  const auto wall_start = std::chrono::steady_clock::now();
  // This session's --time-budget is used up.
  auto out_of_session_time = [&] { return o.time_budget_minutes > 0 && seconds_since(wall_start) >= 60.0 * o.time_budget_minutes; };

  const int64_t session_first_step = state.step, session_first_collectives = ranks ? ranks->collectives() : 0;
  const double session_first_seconds = state.train_seconds;
  TrainOutcome outcome;
  auto last_save = std::chrono::steady_clock::now();
  auto stop = [&](const std::string& reason) {
    save("last.ckpt");
    outcome.state = state;
    outcome.stop_reason = reason;
    run.log(fmt::format("stopped ({}) in epoch {} after batch {} of {}; saved {}; continue with --resume", reason,
                        state.epoch + 1, state.batch_in_epoch, batches, (dir / "last.ckpt").string()));
    return outcome;
  };

  while (state.epoch < o.epochs && !o.training_time_used(state.train_seconds)) {
    model->train();
    const std::vector<int64_t> order = epoch_permutation(o.seed, state.epoch, n);
    const torch::Tensor perm = torch::from_blob(const_cast<int64_t*>(order.data()), {n}, torch::kLong);
    ProgressBar bar(fmt::format("epoch {}/{}", state.epoch + 1, o.epochs), batches, "batch", run.progress_bar);
    bar.skip(state.batch_in_epoch);
    auto epoch_start = std::chrono::steady_clock::now();
    const double seconds_before = state.train_seconds;
    const int64_t poses_before = state.epoch_poses;
    for (int64_t b = state.batch_in_epoch; b < batches; ++b) {
      int64_t batch_rows = std::min<int64_t>(o.batch_size, n - b * o.batch_size);
      if (parallel && (batch_rows = parallel->usable_rows(batch_rows)) == 0) {  // a last batch smaller than the ranks
        state.batch_in_epoch = b + 1;
        bar.advance();
        continue;
      }
      const auto [first, count] = parallel ? parallel->take_rows(b * o.batch_size, batch_rows)
                                           : std::pair{b * o.batch_size, batch_rows};
      const torch::Tensor idx = perm.narrow(0, first, count);
      torch::Tensor x = inputs.index_select(0, idx), y = targets.index_select(0, idx);
      augment_batch(o, train, state.epoch, first, idx, x, y);
      x = x.to(device);
      y = y.to(device);
      ++state.step;
      if (const double lr = o.learning_rate(state.step, total_steps, state.train_seconds); lr != state.lr || state.step == 1) {
        state.lr = lr;
        set_learning_rate(optimizer, o, state.lr);
      }
      torch::Tensor out = model->forward(x);
      if (!model->predicts_root()) {
        out = out.slice(1, 1);
        y = y.slice(1, 1);
      }
      torch::Tensor loss = pose_loss(out, y, o.loss);
      double loss_value = 0;
      bool interrupt = false, out_of_time = false;
      optimizer.drop_gradients();
      if (!parallel) {
        loss_value = loss.item<double>();
        check_finite(loss_value, state.step, dir);
        loss.backward();
      } else {
        // This rank's part of the global batch's mean loss.
        loss = loss * (static_cast<double>(count) / static_cast<double>(batch_rows));
        loss.backward();
        const double seconds = seconds_before + seconds_since(epoch_start);
        // The loss, any rank's Ctrl-C, and rank 0's clock (for the schedule and the budgets) travel
        // with the gradients.
        std::vector<float> extras = {loss.item<float>(), run.stop_requested && run.stop_requested() ? 1.0f : 0.0f,
                                     writes && out_of_session_time() ? 1.0f : 0.0f,
                                     writes ? static_cast<float>(seconds) : 0.0f};
        parallel->sum_gradients(model->parameters(), extras);
        loss_value = extras[0];
        check_finite(loss_value, state.step, dir);
        interrupt = extras[1] > 0;
        out_of_time = extras[2] > 0;
        state.train_seconds = extras[3];
      }
      if (o.max_norm)
        optimizer.clip_and_step(1.0);
      else
        optimizer.step();
      if (average) update_weight_average(*average, *model, o.weight_average, state.step);

      state.epoch_loss_sum += loss_value * static_cast<double>(batch_rows);
      state.epoch_poses += batch_rows;
      state.poses_seen += batch_rows;
      state.batch_in_epoch = b + 1;
      if (!parallel) {
        state.train_seconds = seconds_before + seconds_since(epoch_start);
        interrupt = run.stop_requested && run.stop_requested();
        out_of_time = out_of_session_time();
      }
      bar.set_suffix(fmt::format("loss {:.5f} {:.0f} poses/s", state.epoch_loss_sum / state.epoch_poses,
                                 (state.epoch_poses - poses_before) / std::max(1e-9, state.train_seconds - seconds_before)));
      bar.advance();
      // The run's training time is used: this part-epoch is its last, evaluated below.
      if (o.training_time_used(state.train_seconds)) break;
      if (interrupt) return stop("interrupted");
      if (out_of_time && b + 1 < batches) return stop("time budget");
      // A killed session loses at most this much training.
      if (o.save_every_minutes > 0 && b + 1 < batches &&
          std::chrono::steady_clock::now() - last_save > std::chrono::duration<double>(60.0 * o.save_every_minutes)) {
        save("last.ckpt");
        last_save = std::chrono::steady_clock::now();
      }
    }
    bar.finish();

    EpochRecord r;
    r.epoch = state.epoch + 1;
    r.lr = state.lr;
    r.loss = state.epoch_loss_sum / std::max<int64_t>(1, state.epoch_poses);
    const double unmeasured = std::numeric_limits<double>::quiet_NaN();
    std::tie(r.p1, r.p2) = monitored && monitored->size() ? pooled_test_error(evaluated, *monitored, o, device, ranks)
                                                          : std::make_pair(unmeasured, unmeasured);
    r.poses_seen = state.poses_seen;
    r.seconds = state.train_seconds;
    state.history.push_back(r);
    state.epoch += 1;
    state.batch_in_epoch = 0;
    state.epoch_loss_sum = 0;
    state.epoch_poses = 0;
    const std::string error = monitored ? fmt::format("{} P1 {:.2f} mm  P2 {:.2f} mm", evaluated_on, r.p1, r.p2)
                                        : std::string("not evaluated");
    run.log(fmt::format("epoch {:3d}  lr {:.3g}  loss {:.6f}  {}  ({:.0f} s training)", r.epoch, r.lr, r.loss, error,
                        r.seconds));
    const bool improved = r.p1 < state.best_p1;  // never without an evaluation (NaN)
    if (improved) {
      state.best_p1 = r.p1;
      state.best_epoch = r.epoch;
    }
    save("last.ckpt");
    last_save = std::chrono::steady_clock::now();
    if (improved) save("best.ckpt");
    if (o.snapshot > 0 && r.epoch % o.snapshot == 0) save(fmt::format("epoch_{:04d}.ckpt", r.epoch));
    if (writes) write_training_log((dir / "log.csv").string(), state.history);
    if (any_rank(run.stop_requested && run.stop_requested())) return stop("interrupted");
    if (rank0_says(out_of_session_time()) && state.epoch < o.epochs && !o.training_time_used(state.train_seconds))
      return stop("time budget");
  }
  if (writes) write_plots(dir, o, state);
  if (parallel && state.step > session_first_step)
    run.log(fmt::format("data-parallel: {} ranks, {} bytes of gradients summed per step, {:.2f} s of {:.1f} s of "
                        "training spent in that allreduce; {:.1f} collectives per step (BatchNorm's included)",
                        ranks->size(), parallel->gradient_bytes(), parallel->allreduce_seconds(),
                        state.train_seconds - session_first_seconds,
                        static_cast<double>(ranks->collectives() - session_first_collectives) /
                            static_cast<double>(state.step - session_first_step)));
  outcome.state = state;
  outcome.finished = true;
  return outcome;
}

}  // namespace hoif
