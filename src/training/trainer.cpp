#include "hoif/training/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
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

std::vector<torch::optim::OptimizerParamGroup> parameter_groups(LiftingNetwork& model, const TrainOptions& options) {
  if (options.output_lr_scale == 1.0) return {torch::optim::OptimizerParamGroup(model.parameters())};
  const std::string prefix = model.output_layer_name() + ".";
  std::vector<torch::Tensor> hidden, output;
  for (const auto& p : model.named_parameters()) (p.key().rfind(prefix, 0) == 0 ? output : hidden).push_back(p.value());
  if (output.empty()) fail("--output-lr-scale", "model has no parameters named " + prefix + "*");
  return {torch::optim::OptimizerParamGroup(hidden), torch::optim::OptimizerParamGroup(output)};
}

std::vector<torch::Tensor> decayed_parameters(LiftingNetwork& model) {
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

// Pooled P1/P2 over the test set (every eval_downsample-th pose), as the originals log every epoch;
// in a data-parallel run each rank lifts its share of the poses.
std::pair<double, double> pooled_test_error(LiftingNetwork& model, const PoseSet& test, const TrainOptions& o,
                                            const torch::Device& device, ProcessGroup* ranks) {
  const int64_t evaluated = (test.size() + o.eval_downsample - 1) / o.eval_downsample;
  const auto [first, count] = ranks ? rank_share(evaluated, ranks->rank(), ranks->size()) : std::pair{int64_t{0}, evaluated};
  double sums[3] = {0, 0, static_cast<double>(count)};  // P1 and P2 summed over the poses (m), poses
  if (count > 0) {
    const ArrayF targets = every_nth(test.targets, o.eval_downsample, first, count);
    const ArrayF predicted = predict_poses(model, every_nth(test.inputs, o.eval_downsample, first, count), device, o.flip_test);
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

namespace {

// What a step leaves for the loop: its loss and the requests to stop (in a data-parallel run,
// agreed by the ranks).
struct StepResult {
  double loss = 0;
  bool interrupt = false, out_of_time = false;
};

// One run's moving parts: the model and its weight average, the optimizer, the state, the ranks
// of a data-parallel run. train() walks the epochs; each part of an epoch has its own method.
class Trainer {
 public:
  explicit Trainer(TrainRun& run);
  TrainOutcome train();

 private:
  void start_or_resume();
  void log_start() const;
  // Trains the epoch's remaining batches; a stop before its end is returned.
  std::optional<TrainOutcome> train_epoch();
  StepResult step(const torch::Tensor& idx, int64_t first, int64_t count, int64_t batch_rows);
  void finish_epoch();
  void save(const std::string& name);
  TrainOutcome stop(const std::string& reason);
  bool out_of_session_time() const {  // this session's --time-budget is used up
    return o_.time_budget_minutes > 0 && seconds_since(wall_start_) >= 60.0 * o_.time_budget_minutes;
  }
  bool any_rank(bool flag) const { return ranks_ ? ranks_->any(flag) : flag; }
  bool rank0_says(bool flag) const { return ranks_ ? ranks_->any(writes_ && flag) : flag; }
  bool stop_requested() const { return run_.stop_requested && run_.stop_requested(); }
  double training_seconds_now() const { return seconds_before_epoch_ + seconds_since(epoch_start_); }
  void log_data_parallel_summary() const;

  TrainRun& run_;
  TrainOptions& o_;
  const PoseSet& train_;
  const PoseSet* monitored_;  // the per-epoch evaluation's poses: held-out or (test-monitored) test subjects
  const torch::Device device_;
  const fs::path dir_;
  std::unique_ptr<DataParallel> parallel_;
  ProcessGroup* ranks_ = nullptr;
  bool writes_ = true;  // rank 0 alone writes checkpoints, logs and plots
  std::shared_ptr<LiftingNetwork> model_, average_;  // average: of the weights, evaluated and saved as the model
  TrainState state_;
  std::unique_ptr<FusedAdam> optimizer_;
  torch::Tensor inputs_, targets_;
  int64_t batches_ = 0, total_steps_ = 0;
  std::chrono::steady_clock::time_point wall_start_, last_save_, epoch_start_;
  double seconds_before_epoch_ = 0;  // training time before this session's part of the epoch
  int64_t session_first_step_ = 0, session_first_collectives_ = 0;
  double session_first_seconds_ = 0;
};

Trainer::Trainer(TrainRun& run)
    : run_(run), o_(run.options), train_(*run.train), monitored_(o_.evaluates_each_epoch() ? run.test : nullptr),
      device_(o_.device), dir_(o_.checkpoint_dir) {
  if (o_.evaluates_each_epoch() && !run.test) fail("training", "no poses given for the per-epoch evaluation");
  if (train_.size() == 0) fail("training set", "is empty (check --actions, --validation-subjects and the data)");
  if (train_.num_joints != o_.model.joints)
    fail("--keypoints", fmt::format("give {} joints but the model was built for {}", train_.num_joints, o_.model.joints));
  if (run.ranks && run.ranks->size() > 1) {
    parallel_ = std::make_unique<DataParallel>(*run.ranks);
    ranks_ = &parallel_->group();
    writes_ = ranks_->rank() == 0;
    if (o_.batch_size % ranks_->size() != 0)
      fail("--batch-size", fmt::format("{} does not split evenly over {} ranks; use a multiple of {}", o_.batch_size,
                                       ranks_->size(), ranks_->size()));
  }
  if (writes_) fs::create_directories(dir_);
  start_or_resume();
  if (writes_) write_file_atomically(dir_ / "config.json", o_.to_json() + "\n");
  log_start();
  const int64_t n = train_.size(), J = train_.num_joints;
  inputs_ = torch::from_blob(const_cast<float*>(train_.inputs.data()), {n, J, 2}, torch::kFloat);
  targets_ = torch::from_blob(const_cast<float*>(train_.targets.data()), {n, J, 3}, torch::kFloat);
  batches_ = (n + o_.batch_size - 1) / o_.batch_size;
  total_steps_ = batches_ * o_.epochs;
  wall_start_ = last_save_ = std::chrono::steady_clock::now();
  session_first_step_ = state_.step;
  session_first_collectives_ = ranks_ ? ranks_->collectives() : 0;
  session_first_seconds_ = state_.train_seconds;
}

void Trainer::start_or_resume() {
  if (run_.resume) {
    model_ = run_.resume->training_model ? run_.resume->training_model : run_.resume->model;
    if (o_.weight_average > 0) {
      if (!run_.resume->training_model) fail(run_.resume->path, "keeps no weight average to resume");
      average_ = run_.resume->model;
    }
    state_ = run_.resume->state;
  } else {
    torch::manual_seed(o_.seed);
    model_ = make_network(o_.model);
    model_->to(device_);
    if (o_.weight_average > 0) {
      average_ = make_network(o_.model);
      average_->to(device_);
      copy_weights(*average_, *model_);
    }
    state_.lr = o_.lr;
    state_.baseline_p1 = monitored_ && monitored_->size() ? mean_pose_baseline_p1(train_, *monitored_) : 0.0;
  }
  optimizer_ = std::make_unique<FusedAdam>(parameter_groups(*model_, o_), torch::optim::AdamOptions(o_.lr));
  if (o_.weight_decay > 0) optimizer_->set_decoupled_weight_decay(o_.weight_decay, decayed_parameters(*model_));
  if (run_.resume) {
    restore_optimizer(*run_.resume, *optimizer_);
    restore_rng(*run_.resume);
  }
}

void Trainer::log_start() const {
  const std::string evaluated_on = o_.evaluation_set();
  const std::string monitored_poses = monitored_ ? fmt::format(", {} {} poses", monitored_->size(), evaluated_on) : "";
  run_.log(fmt::format("{}: {} parameters; {} training poses{}; {} epochs of batch {}", o_.model.name,
                       model_->parameter_count(), train_.size(), monitored_poses, o_.epochs, o_.batch_size));
  if (monitored_)
    run_.log(fmt::format("trivial baseline (mean training pose): {} P1 {:.2f} mm", evaluated_on, state_.baseline_p1));
}

void Trainer::save(const std::string& name) {
  if (writes_) save_checkpoint((dir_ / name).string(), o_, state_, *model_, optimizer_.get(), average_.get());
}

TrainOutcome Trainer::stop(const std::string& reason) {
  save("last.ckpt");
  run_.log(fmt::format("stopped ({}) in epoch {} after batch {} of {}; saved {}; continue with --resume", reason,
                       state_.epoch + 1, state_.batch_in_epoch, batches_, (dir_ / "last.ckpt").string()));
  return TrainOutcome{state_, false, reason};
}

StepResult Trainer::step(const torch::Tensor& idx, int64_t first, int64_t count, int64_t batch_rows) {
  torch::Tensor x = inputs_.index_select(0, idx), y = targets_.index_select(0, idx);
  augment_batch(o_, train_, state_.epoch, first, idx, x, y);
  x = x.to(device_);
  y = y.to(device_);
  ++state_.step;
  if (const double lr = o_.learning_rate(state_.step, total_steps_, state_.train_seconds); lr != state_.lr || state_.step == 1) {
    state_.lr = lr;
    set_learning_rate(*optimizer_, o_, state_.lr);
  }
  torch::Tensor out = model_->forward(x);
  if (!model_->predicts_root()) {
    out = out.slice(1, 1);
    y = y.slice(1, 1);
  }
  torch::Tensor loss = pose_loss(out, y, o_.loss);
  StepResult r;
  optimizer_->drop_gradients();
  if (!parallel_) {
    r.loss = loss.item<double>();
    check_finite(r.loss, state_.step, dir_);
    loss.backward();
  } else {
    // This rank's part of the global batch's mean loss.
    loss = loss * (static_cast<double>(count) / static_cast<double>(batch_rows));
    loss.backward();
    // The loss, any rank's Ctrl-C, and rank 0's clock (for the schedule and the budgets) travel
    // with the gradients.
    std::vector<float> extras = {loss.item<float>(), stop_requested() ? 1.0f : 0.0f,
                                 writes_ && out_of_session_time() ? 1.0f : 0.0f,
                                 writes_ ? static_cast<float>(training_seconds_now()) : 0.0f};
    parallel_->sum_gradients(model_->parameters(), extras);
    r.loss = extras[0];
    check_finite(r.loss, state_.step, dir_);
    r.interrupt = extras[1] > 0;
    r.out_of_time = extras[2] > 0;
    state_.train_seconds = extras[3];
  }
  if (o_.max_norm)
    optimizer_->clip_and_step(1.0);
  else
    optimizer_->step();
  if (average_) update_weight_average(*average_, *model_, o_.weight_average, state_.step);
  return r;
}

std::optional<TrainOutcome> Trainer::train_epoch() {
  model_->train();
  const int64_t n = train_.size();
  const std::vector<int64_t> order = epoch_permutation(o_.seed, state_.epoch, n);
  const torch::Tensor perm = torch::from_blob(const_cast<int64_t*>(order.data()), {n}, torch::kLong);
  ProgressBar bar(fmt::format("epoch {}/{}", state_.epoch + 1, o_.epochs), batches_, "batch", run_.progress_bar);
  bar.skip(state_.batch_in_epoch);
  epoch_start_ = std::chrono::steady_clock::now();
  seconds_before_epoch_ = state_.train_seconds;
  const int64_t poses_before = state_.epoch_poses;
  for (int64_t b = state_.batch_in_epoch; b < batches_; ++b) {
    int64_t batch_rows = std::min<int64_t>(o_.batch_size, n - b * o_.batch_size);
    if (parallel_ && (batch_rows = parallel_->usable_rows(batch_rows)) == 0) {  // a last batch smaller than the ranks
      state_.batch_in_epoch = b + 1;
      bar.advance();
      continue;
    }
    const auto [first, count] = parallel_ ? parallel_->take_rows(b * o_.batch_size, batch_rows)
                                          : std::pair{b * o_.batch_size, batch_rows};
    StepResult r = step(perm.narrow(0, first, count), first, count, batch_rows);
    state_.epoch_loss_sum += r.loss * static_cast<double>(batch_rows);
    state_.epoch_poses += batch_rows;
    state_.poses_seen += batch_rows;
    state_.batch_in_epoch = b + 1;
    if (!parallel_) {
      state_.train_seconds = training_seconds_now();
      r.interrupt = stop_requested();
      r.out_of_time = out_of_session_time();
    }
    bar.set_suffix(fmt::format("loss {:.5f} {:.0f} poses/s", state_.epoch_loss_sum / state_.epoch_poses,
                               (state_.epoch_poses - poses_before) / std::max(1e-9, state_.train_seconds - seconds_before_epoch_)));
    bar.advance();
    // The run's training time is used: this part-epoch is its last, evaluated after it.
    if (o_.training_time_used(state_.train_seconds)) break;
    if (r.interrupt) return stop("interrupted");
    if (r.out_of_time && b + 1 < batches_) return stop("time budget");
    // A killed session loses at most this much training.
    if (o_.save_every_minutes > 0 && b + 1 < batches_ &&
        std::chrono::steady_clock::now() - last_save_ > std::chrono::duration<double>(60.0 * o_.save_every_minutes)) {
      save("last.ckpt");
      last_save_ = std::chrono::steady_clock::now();
    }
  }
  bar.finish();
  return std::nullopt;
}

void Trainer::finish_epoch() {
  EpochRecord r;
  r.epoch = state_.epoch + 1;
  r.lr = state_.lr;
  r.loss = state_.epoch_loss_sum / std::max<int64_t>(1, state_.epoch_poses);
  const double unmeasured = std::numeric_limits<double>::quiet_NaN();
  LiftingNetwork& evaluated = average_ ? *average_ : *model_;
  std::tie(r.p1, r.p2) = monitored_ && monitored_->size() ? pooled_test_error(evaluated, *monitored_, o_, device_, ranks_)
                                                          : std::make_pair(unmeasured, unmeasured);
  r.poses_seen = state_.poses_seen;
  r.seconds = state_.train_seconds;
  state_.history.push_back(r);
  state_.epoch += 1;
  state_.batch_in_epoch = 0;
  state_.epoch_loss_sum = 0;
  state_.epoch_poses = 0;
  const std::string error = monitored_ ? fmt::format("{} P1 {:.2f} mm  P2 {:.2f} mm", o_.evaluation_set(), r.p1, r.p2)
                                       : std::string("not evaluated");
  run_.log(fmt::format("epoch {:3d}  lr {:.3g}  loss {:.6f}  {}  ({:.0f} s training)", r.epoch, r.lr, r.loss, error,
                       r.seconds));
  const bool improved = r.p1 < state_.best_p1;  // never without an evaluation (NaN)
  if (improved) {
    state_.best_p1 = r.p1;
    state_.best_epoch = r.epoch;
  }
  save("last.ckpt");
  last_save_ = std::chrono::steady_clock::now();
  if (improved) save("best.ckpt");
  if (o_.snapshot > 0 && r.epoch % o_.snapshot == 0) save(fmt::format("epoch_{:04d}.ckpt", r.epoch));
  if (writes_) write_training_log((dir_ / "log.csv").string(), state_.history);
}

void Trainer::log_data_parallel_summary() const {
  if (!parallel_ || state_.step == session_first_step_) return;
  run_.log(fmt::format("data-parallel: {} ranks, {} bytes of gradients summed per step, {:.2f} s of {:.1f} s of "
                       "training spent in that allreduce; {:.1f} collectives per step (BatchNorm's included)",
                       ranks_->size(), parallel_->gradient_bytes(), parallel_->allreduce_seconds(),
                       state_.train_seconds - session_first_seconds_,
                       static_cast<double>(ranks_->collectives() - session_first_collectives_) /
                           static_cast<double>(state_.step - session_first_step_)));
}

TrainOutcome Trainer::train() {
  while (state_.epoch < o_.epochs && !o_.training_time_used(state_.train_seconds)) {
    if (auto stopped = train_epoch()) return *stopped;
    finish_epoch();
    if (any_rank(stop_requested())) return stop("interrupted");
    if (rank0_says(out_of_session_time()) && state_.epoch < o_.epochs && !o_.training_time_used(state_.train_seconds))
      return stop("time budget");
  }
  if (writes_) write_plots(dir_, o_, state_);
  log_data_parallel_summary();
  return TrainOutcome{state_, true, ""};
}

}  // namespace

TrainOutcome train_model(TrainRun& run) { return Trainer(run).train(); }

}  // namespace hoif
