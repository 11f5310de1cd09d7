#include "hoif/training/checkpoint.h"

#include <filesystem>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/serialize.h>
#include <torch/torch.h>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"

namespace hoif {

namespace {

constexpr const char* kFormat = "hoif checkpoint 1";

torch::Tensor text_tensor(const std::string& s) {
  torch::Tensor t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr(), s.data(), s.size());
  return t;
}

std::string tensor_text(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous().to(torch::kCPU);
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

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
    j["history"].push_back({{"epoch", r.epoch}, {"lr", r.lr}, {"loss", r.loss}, {"p1", r.p1}, {"p2", r.p2},
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
                           r.at("p1").get<double>(), r.at("p2").get<double>(), r.at("poses_seen").get<int64_t>(),
                           r.at("seconds").get<double>()});
    return s;
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("bad training state (") + e.what() + ")");
  }
}

void save_checkpoint(const std::string& path, const TrainOptions& options, const TrainState& state,
                     PoseLifter& model, torch::optim::Optimizer* optimizer, PoseLifter* average) {
  torch::serialize::OutputArchive archive;
  archive.write("format", text_tensor(kFormat));
  archive.write("options", text_tensor(options.to_json()));
  archive.write("state", text_tensor(state.to_json()));
  torch::serialize::OutputArchive model_archive;
  (average ? *average : model).save(model_archive);
  archive.write("model", model_archive);
  if (average) {
    torch::serialize::OutputArchive training_archive;
    model.save(training_archive);
    archive.write("training_model", training_archive);
  }
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  archive.write("rng", at::detail::getDefaultCPUGenerator().get_state());
  write_atomically(path, [&](const std::filesystem::path& tmp) { archive.save_to(tmp.string()); });
}

LoadedCheckpoint load_checkpoint(const std::string& path, const torch::Device& device) {
  if (!std::filesystem::exists(path)) fail(path, "no such file");
  LoadedCheckpoint c;
  c.path = path;
  c.archive = std::make_shared<torch::serialize::InputArchive>();
  try {
    c.archive->load_from(path);
  } catch (const c10::Error&) {
    fail(path, "not a hoif checkpoint (truncated, corrupt or another format)");
  }
  torch::Tensor format, options, state;
  if (!c.archive->try_read("format", format) || tensor_text(format) != kFormat)
    fail(path, "not a hoif checkpoint (no format tag)");
  if (!c.archive->try_read("options", options) || !c.archive->try_read("state", state))
    fail(path, "checkpoint lacks its configuration");
  c.options = TrainOptions::from_json(tensor_text(options), path);
  c.state = TrainState::from_json(tensor_text(state), path);
  auto read_model = [&](const char* key) -> std::shared_ptr<PoseLifter> {
    torch::serialize::InputArchive model_archive;
    if (!c.archive->try_read(key, model_archive)) return nullptr;
    auto model = make_lifter(c.options.model);
    try {
      model->load(model_archive);
    } catch (const c10::Error&) {
      fail(path, "model weights do not match the configuration stored with them");
    }
    model->to(device);
    return model;
  };
  c.model = read_model("model");
  if (!c.model) fail(path, "checkpoint holds no model weights");
  c.training_model = read_model("training_model");
  return c;
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
