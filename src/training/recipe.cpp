#include "hoif/training/recipe.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "hoif/core/error.h"
#include "hoif/models/registry.h"
#include "hoif/training/loss.h"

namespace hoif {

TrainOptions TrainOptions::recipe(const std::string& model_name) {
  TrainOptions o;
  o.model.name = model_name;
  o.model = o.model.resolved();
  const OriginalRecipe& r = model_spec(model_name).recipe;
  o.batch_size = r.batch_size;
  o.epochs = r.epochs;
  o.lr_gamma = r.lr_gamma;
  return o;
}

std::string TrainOptions::evaluation_set() const {
  if (!data.validation_subjects.empty()) return "validation";
  return monitor_test ? "test" : "none";
}

std::string TrainOptions::best_epoch_selection() const {
  const std::string set = evaluation_set();
  if (set == "none") return "no per-epoch evaluation";
  if (set == "test") return "selected on the test set, as the original code does: a test-monitored run";
  return fmt::format("selected on the held-out training subjects {}", fmt::join(data.validation_subjects, " "));
}

std::string TrainOptions::to_json() const {
  nlohmann::ordered_json j;
  j["model"] = nlohmann::json::parse(model.to_json());
  j["data_path"] = data_path;
  j["keypoints"] = data.keypoints;
  j["downsample"] = data.downsample;
  j["actions"] = data.actions;
  j["validation_subjects"] = data.validation_subjects;
  j["epochs"] = epochs;
  j["batch_size"] = batch_size;
  j["lr"] = lr;
  j["lr_decay"] = lr_decay;
  j["lr_gamma"] = lr_gamma;
  j["lr_schedule"] = lr_schedule;
  j["lr_min"] = lr_min;
  j["output_lr_scale"] = output_lr_scale;
  j["weight_decay"] = weight_decay;
  j["flip_augment"] = flip_augment;
  j["bone_augment"] = bone_augment;
  j["rotate_augment"] = rotate_augment;
  j["flip_test"] = flip_test;
  j["monitor_test"] = monitor_test;
  j["eval_downsample"] = eval_downsample;
  j["weight_average"] = weight_average;
  j["save_every_minutes"] = save_every_minutes;
  j["max_norm"] = max_norm;
  j["loss"] = loss;
  j["snapshot"] = snapshot;
  j["seed"] = seed;
  j["threads"] = threads;
  j["world_size"] = world_size;
  j["device"] = device;
  j["time_budget_minutes"] = time_budget_minutes;
  j["train_minutes"] = train_minutes;
  return j.dump();
}

TrainOptions TrainOptions::from_json(const std::string& text, const std::string& where) {
  try {
    const auto j = nlohmann::json::parse(text);
    TrainOptions o;
    o.model = ModelConfig::from_json(j.at("model").dump(), where);
    o.data_path = j.at("data_path").get<std::string>();
    o.data.keypoints = j.at("keypoints").get<std::string>();
    o.data.downsample = j.at("downsample").get<int>();
    o.data.actions = j.at("actions").get<std::vector<std::string>>();
    o.epochs = j.at("epochs").get<int>();
    o.batch_size = j.at("batch_size").get<int>();
    o.lr = j.at("lr").get<double>();
    o.lr_decay = j.at("lr_decay").get<int64_t>();
    o.lr_gamma = j.at("lr_gamma").get<double>();
    // Absent from checkpoints written before these options existed: the originals' behaviour.
    o.data.validation_subjects = j.value("validation_subjects", std::vector<std::string>{});
    o.lr_schedule = j.value("lr_schedule", std::string("staircase"));
    o.lr_min = j.value("lr_min", 0.0);
    o.output_lr_scale = j.value("output_lr_scale", 1.0);
    o.weight_decay = j.value("weight_decay", 0.0);
    o.flip_augment = j.value("flip_augment", false);
    o.bone_augment = j.value("bone_augment", 0.0);
    o.rotate_augment = j.value("rotate_augment", 0.0);
    o.flip_test = j.value("flip_test", false);
    // Runs from before the option existed monitored the test set unless they held subjects out.
    o.monitor_test = j.value("monitor_test", o.data.validation_subjects.empty());
    o.eval_downsample = j.value("eval_downsample", 1);
    o.weight_average = j.value("weight_average", 0.0);
    o.save_every_minutes = j.value("save_every_minutes", 0.0);
    o.max_norm = j.at("max_norm").get<bool>();
    o.loss = j.value("loss", std::string("mse"));
    const auto& kinds = pose_loss_kinds();
    if (std::find(kinds.begin(), kinds.end(), o.loss) == kinds.end()) fail(where, "unknown training loss '" + o.loss + "'");
    o.snapshot = j.at("snapshot").get<int>();
    o.seed = j.at("seed").get<uint64_t>();
    o.threads = j.at("threads").get<int>();
    o.world_size = j.value("world_size", 1);
    o.device = j.at("device").get<std::string>();
    o.time_budget_minutes = j.at("time_budget_minutes").get<double>();
    o.train_minutes = j.value("train_minutes", 0.0);
    return o;
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("bad training configuration (") + e.what() + ")");
  }
}

double learning_rate_at(double lr0, double gamma, int64_t decay, int64_t step) {
  if (step < 1) return lr0;
  const int64_t last = step >= decay ? (step / decay) * decay : 1;
  return lr0 * std::pow(gamma, static_cast<double>(last) / static_cast<double>(decay));
}

double cosine_learning_rate(double lr0, double lr_min, double t) {
  t = std::clamp(t, 0.0, 1.0);
  return lr_min + 0.5 * (lr0 - lr_min) * (1.0 + std::cos(M_PI * t));
}

double cosine_learning_rate(double lr0, double lr_min, int64_t step, int64_t total_steps) {
  if (total_steps <= 1 || step <= 1) return lr0;
  return cosine_learning_rate(lr0, lr_min, static_cast<double>(step - 1) / static_cast<double>(total_steps - 1));
}

double TrainOptions::learning_rate(int64_t step, int64_t total_steps, double train_seconds) const {
  if (lr_schedule == "cosine" && train_minutes > 0) return cosine_learning_rate(lr, lr_min, train_seconds / (60 * train_minutes));
  if (lr_schedule == "cosine") return cosine_learning_rate(lr, lr_min, step, total_steps);
  if (lr_schedule == "constant") return lr;
  return learning_rate_at(lr, lr_gamma, lr_decay, step);
}

}  // namespace hoif
