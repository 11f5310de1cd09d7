#include "hoif/training/data_parallel.h"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "hoif/core/error.h"

namespace hoif {

std::pair<int64_t, int64_t> rank_share(int64_t total, int rank, int ranks) {
  const int64_t first = total * rank / ranks, end = total * (rank + 1) / ranks;
  return {first, end - first};
}

DataParallel::DataParallel(ProcessGroup& group) : group_(group) {
  shard_.sum_over_ranks = [this](double* values, int64_t count) { group_.sum(values, count); };
  set_batch_shard(&shard_);
}

DataParallel::~DataParallel() { set_batch_shard(nullptr); }

std::pair<int64_t, int64_t> DataParallel::take_rows(int64_t begin, int64_t rows) {
  const auto [first, count] = rank_share(rows, group_.rank(), group_.size());
  shard_.offset = first;
  shard_.global_rows = rows;
  return {begin + first, count};
}

void DataParallel::sum_gradients(const std::vector<torch::Tensor>& parameters, std::vector<float>& extras) {
  int64_t total = 0;
  for (const auto& p : parameters) total += p.numel();
  gradient_bytes_ = total * static_cast<int64_t>(sizeof(float));
  torch::Tensor flat = torch::empty({total + static_cast<int64_t>(extras.size())}, torch::kFloat);
  int64_t at = 0;
  for (const auto& p : parameters) {
    torch::Tensor slot = flat.narrow(0, at, p.numel());
    if (p.grad().defined())
      slot.copy_(p.grad().reshape({-1}));
    else
      slot.zero_();
    at += p.numel();
  }
  std::copy(extras.begin(), extras.end(), flat.data_ptr<float>() + total);
  const auto start = std::chrono::steady_clock::now();
  group_.sum(flat);
  allreduce_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  at = 0;
  // A parameter without a gradient (the same on every rank) keeps none: the optimizer skips it, as
  // in one process.
  for (torch::Tensor p : parameters) {
    if (p.grad().defined()) p.mutable_grad() = flat.narrow(0, at, p.numel()).view(p.sizes());
    at += p.numel();
  }
  std::copy_n(flat.data_ptr<float>() + total, extras.size(), extras.begin());
}

std::string training_description(const TrainOptions& options, const PoseSet& train) {
  auto j = nlohmann::ordered_json::parse(options.to_json());
  for (const char* per_machine : {"data_path", "threads", "device", "checkpoint_dir", "time_budget_minutes",
                                  "save_every_minutes", "world_size"})
    j.erase(per_machine);
  double checksum = 0;
  for (int64_t i = 0; i < train.inputs.size(); i += 97) checksum += train.inputs.data()[i];
  for (int64_t i = 0; i < train.targets.size(); i += 97) checksum += train.targets.data()[i];
  j["training poses"] = train.size();
  j["training data checksum"] = fmt::format("{:.9g}", checksum);
  return j.dump();
}

void require_same_run(ProcessGroup& group, const std::string& description) {
  std::string rank0 = description;
  group.broadcast(rank0);
  std::string difference;
  if (rank0 != description) {
    const auto ours = nlohmann::ordered_json::parse(description), theirs = nlohmann::ordered_json::parse(rank0);
    for (const auto& [key, value] : ours.items())
      if (!theirs.contains(key) || theirs.at(key) != value) {
        difference = fmt::format("its {} ({}) differs from rank 0's ({})", key, value.dump(),
                                 theirs.contains(key) ? theirs.at(key).dump() : "none");
        break;
      }
    if (difference.empty()) difference = "its settings differ from rank 0's";
  }
  if (group.any(!difference.empty())) {
    if (!difference.empty()) fail(group.name(), difference + "; start every rank with the same command and data");
    fail(group.name(),
         "another rank was started with different settings or data (its error names them)");
  }
}

LoadedCheckpoint load_checkpoint_from_rank0(ProcessGroup& group, const std::string& path, const torch::Device& device) {
  std::string bytes;
  if (group.rank() == 0) try {
      bytes = read_checkpoint_file_bytes(path);
    } catch (const Error&) {
      std::string none;  // tells the others
      group.broadcast(none);
      throw;
    }
  group.broadcast(bytes);
  if (group.rank() != 0 && bytes.empty()) fail(path, "rank 0 could not read the checkpoint to resume (its error says why)");
  return load_checkpoint_from_memory(bytes, path, device);
}

}  // namespace hoif
