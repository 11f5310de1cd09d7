#pragma once
// A run's log.csv, one row per epoch: written by the trainer, read by `hoif plot curves`.
//   epoch,lr,loss_train,error_eval_p1,error_eval_p2,poses_seen,train_seconds
// The errors (mm, the evaluated poses pooled) are empty for a run without a per-epoch evaluation.
#include <string>
#include <vector>

#include "hoif/training/checkpoint.h"

namespace hoif {

void write_training_log(const std::string& path, const std::vector<EpochRecord>& history);
// A clear error naming the file for anything that is not such a log; unmeasured errors are NaN.
std::vector<EpochRecord> read_training_log(const std::string& path);

}  // namespace hoif
