#pragma once
// Data-parallel training over the ranks of a ProcessGroup (distributed/process_group.h). Every
// rank walks the same shuffled order and takes its own rows of each global batch; BatchNorm and
// dropout see the whole batch (models/batch_shard.h); the gradients are summed in one allreduce
// of one flat buffer per step. N ranks thus take the step that one process takes on the global
// batch, up to the order of floating-point sums.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "hoif/data/dataset.h"
#include "hoif/distributed/process_group.h"
#include "hoif/models/batch_shard.h"
#include "hoif/training/checkpoint.h"

namespace hoif {

// Rank `rank`'s part [first, first + count) of `total` rows split over `ranks` as evenly as can be.
std::pair<int64_t, int64_t> rank_share(int64_t total, int rank, int ranks);

class DataParallel {
 public:
  explicit DataParallel(ProcessGroup& group);  // installs the batch shard for the models
  ~DataParallel();                              // and removes it
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  ProcessGroup& group() { return group_; }
  // This rank's rows [first, first + count) of the global batch [begin, begin + rows), `rows` a
  // multiple of the ranks.
  std::pair<int64_t, int64_t> take_rows(int64_t begin, int64_t rows);
  // The rows of a batch that data-parallel training uses: equal shards, as PyTorch's
  // DistributedSampler with drop_last, so an epoch's last batch loses `rows` mod ranks poses.
  int64_t usable_rows(int64_t rows) const { return rows - rows % group_.size(); }
  // Replaces the parameters' gradients by their sums over the ranks, and `extras` (values every
  // rank needs each step: its part of the loss, stop requests) by theirs, in one allreduce.
  void sum_gradients(const std::vector<torch::Tensor>& parameters, std::vector<float>& extras);
  // Time spent in sum_gradients so far, and the bytes of gradients it sums per step.
  double allreduce_seconds() const { return allreduce_seconds_; }
  int64_t gradient_bytes() const { return gradient_bytes_; }

 private:
  ProcessGroup& group_;
  BatchShard shard_;
  double allreduce_seconds_ = 0;
  int64_t gradient_bytes_ = 0;
};

// Refuses, on every rank with one line, a run whose ranks were started with different settings
// (model, recipe, batch, seed) or data; `description` is this rank's (training_description).
void require_same_run(ProcessGroup& group, const std::string& description);
// What must agree between the ranks: the options but those that may differ per machine (threads,
// paths, device), and the sizes and a checksum of the training poses.
std::string training_description(const TrainOptions& options, const PoseSet& train);
// The checkpoint to resume, read by rank 0 and sent to the others, which need not share its disk.
LoadedCheckpoint load_checkpoint_from_rank0(ProcessGroup& group, const std::string& path, const torch::Device& device);

}  // namespace hoif
