#include "hoif/training/checkpoint.h"

#include <cmath>
#include <limits>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/serialize.h>

#include "hoif/core/error.h"

namespace hoif {

namespace {

// An unmeasured error (NaN: no per-epoch evaluation) is stored as null.
nlohmann::ordered_json measured(double mm) { return std::isfinite(mm) ? nlohmann::ordered_json(mm) : nlohmann::ordered_json(nullptr); }
double measured(const nlohmann::json& j) { return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>(); }

}  // namespace

std::string TrainState::to_json() const {
  nlohmann::ordered_json j;
  j["epoch"] = epoch;
  j["batch_in_epoch"] = batch_in_epoch;
  j["step"] = step;
  j["lr"] = lr;
  j["epoch_loss_sum"] = epoch_loss_sum;
  j["epoch_poses"] = epoch_poses;
  j["poses_seen"] = poses_seen;
  j["train_seconds"] = train_seconds;
  j["best_p1"] = std::isfinite(best_p1) ? nlohmann::ordered_json(best_p1) : nlohmann::ordered_json(nullptr);
  j["best_epoch"] = best_epoch;
  j["baseline_p1"] = baseline_p1;
  j["history"] = nlohmann::ordered_json::array();
  for (const auto& r : history)
    j["history"].push_back({{"epoch", r.epoch}, {"lr", r.lr}, {"loss", r.loss}, {"p1", measured(r.p1)}, {"p2", measured(r.p2)},
                            {"poses_seen", r.poses_seen}, {"seconds", r.seconds}});
  return j.dump();
}

TrainState TrainState::from_json(const std::string& text, const std::string& where) {
  try {
    const auto j = nlohmann::json::parse(text);
    TrainState s;
    s.epoch = j.at("epoch").get<int>();
    s.batch_in_epoch = j.at("batch_in_epoch").get<int64_t>();
    s.step = j.at("step").get<int64_t>();
    s.lr = j.at("lr").get<double>();
    s.epoch_loss_sum = j.at("epoch_loss_sum").get<double>();
    s.epoch_poses = j.at("epoch_poses").get<int64_t>();
    s.poses_seen = j.at("poses_seen").get<int64_t>();
    s.train_seconds = j.at("train_seconds").get<double>();
    s.best_p1 = j.at("best_p1").is_null() ? std::numeric_limits<double>::infinity() : j.at("best_p1").get<double>();
    s.best_epoch = j.at("best_epoch").get<int>();
    s.baseline_p1 = j.at("baseline_p1").get<double>();
    for (const auto& r : j.at("history"))
      s.history.push_back({r.at("epoch").get<int>(), r.at("lr").get<double>(), r.at("loss").get<double>(),
                           measured(r.at("p1")), measured(r.at("p2")), r.at("poses_seen").get<int64_t>(),
                           r.at("seconds").get<double>()});
    return s;
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("bad training state (") + e.what() + ")");
  }
}

void save_checkpoint(const std::string& path, const TrainOptions& options, const TrainState& state,
                     LiftingNetwork& model, torch::optim::Optimizer* optimizer, LiftingNetwork* average) {
  write_checkpoint_file(path, options.to_json(), state.to_json(), average ? *average : model, average ? &model : nullptr,
                        optimizer);
}

namespace {

LoadedCheckpoint with_training_state(CheckpointFile file) {
  LoadedCheckpoint c;
  c.options = TrainOptions::from_json(file.options_json, file.path);
  c.state = TrainState::from_json(file.state_json, file.path);
  static_cast<CheckpointFile&>(c) = std::move(file);
  return c;
}

}  // namespace

LoadedCheckpoint load_checkpoint_from_memory(const std::string& bytes, const std::string& name, const torch::Device& device) {
  return with_training_state(read_checkpoint_bytes(bytes, name, device));
}

LoadedCheckpoint load_checkpoint(const std::string& path, const torch::Device& device) {
  return with_training_state(read_checkpoint_file(path, device));
}

CheckpointWeights checkpoint_weights(const LoadedCheckpoint& c, bool training_weights) {
  if (!training_weights) return {*c.model, c.training_model ? "weight average" : "weights"};
  if (!c.training_model) fail(c.path, "keeps no weight average: its model already is the training weights");
  return {*c.training_model, "training weights"};
}

void restore_optimizer(const LoadedCheckpoint& c, torch::optim::Optimizer& optimizer) {
  torch::serialize::InputArchive a;
  if (!c.archive->try_read("optimizer", a)) fail(c.path, "checkpoint holds no optimizer state");
  try {
    optimizer.load(a);
  } catch (const c10::Error&) {
    fail(c.path, "optimizer state does not match the model");
  }
}

void restore_rng(const LoadedCheckpoint& c) {
  torch::Tensor rng;
  if (!c.archive->try_read("rng", rng)) return;
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  generator.set_state(rng);
}

}  // namespace hoif
