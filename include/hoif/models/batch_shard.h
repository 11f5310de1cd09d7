#pragma once
// Data-parallel training gives each process (rank) a shard of every batch. The layers that look
// across the batch — BatchNorm's statistics and the dropout masks — then have to see the whole
// batch, so that a step on N ranks is the step one process takes on the global batch. The trainer
// installs a BatchShard for the length of a data-parallel run; without one (a single process)
// the layers see only their own batch, as always.
#include <cstdint>
#include <functional>

namespace hoif {

struct BatchShard {
  int64_t offset = 0;       // this rank's first row within the global batch
  int64_t global_rows = 0;  // the global batch's rows
  // Replaces `values` by their element-wise sum over the ranks (an allreduce).
  std::function<void(double* values, int64_t count)> sum_over_ranks;
};

// Installs `shard` (not owned; nullptr removes it) for every model of this process.
void set_batch_shard(const BatchShard* shard);
const BatchShard* batch_shard();

}  // namespace hoif
