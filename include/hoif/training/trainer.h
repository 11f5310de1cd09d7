#pragma once
// The training loop of the originals' main_gcn.py / main_linear.py: Adam, the staircase lr
// schedule, global gradient-norm clipping, MSE in metres, a reshuffle every epoch, and an
// evaluation after each epoch of the held-out subjects (or, test-monitored, of the test subjects;
// or none). Interruptible and exactly resumable.
#include <functional>
#include <optional>
#include <string>

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include "hoif/data/dataset.h"
#include "hoif/distributed/process_group.h"
#include "hoif/training/checkpoint.h"

namespace hoif {

struct TrainRun {
  TrainOptions options;
  const PoseSet* train = nullptr;
  // Evaluated after each epoch when options.evaluates_each_epoch(): the validation set, or the test
  // set of a test-monitored run.
  const PoseSet* test = nullptr;
  std::optional<LoadedCheckpoint> resume;  // continue this checkpoint's run
  std::function<bool()> stop_requested;    // polled after every batch (Ctrl-C)
  // One rank of a data-parallel run (training/data_parallel.h); null: one process. Rank 0 alone
  // writes files; give the others a silent `log` and no progress bar.
  ProcessGroup* ranks = nullptr;
  std::function<void(const std::string&)> log = [](const std::string&) {};
  bool progress_bar = true;
};

struct TrainOutcome {
  TrainState state;
  bool finished = false;  // all epochs done (false: stopped by request or time budget; resumable)
  std::string stop_reason;
};

// Files written to options.checkpoint_dir:
//   last.ckpt         after every epoch and on a stop (resume from it)
//   best.ckpt         lowest per-epoch P1 on the held-out subjects, or (options.monitor_test)
//                     selected ON THE TEST SET, as the original code does; none without either
//   epoch_NNNN.ckpt   every `snapshot` epochs
//   log.csv           one row per epoch (errors empty when not evaluated); loss.png and, with a
//                     per-epoch evaluation, test_error.png at the end
TrainOutcome train_model(TrainRun& run);

// The optimizer's parameter groups: one (the originals), or with options.output_lr_scale != 1
// two, the output layer's second.
std::vector<torch::optim::OptimizerParamGroup> parameter_groups(LiftingNetwork& model, const TrainOptions& options);
// What options.weight_decay shrinks: the weight matrices of the linear and graph-convolution
// layers (parameters named W or weight with two or more dimensions), not biases, BatchNorm's
// scales or the softmax-normalised edge weights.
std::vector<torch::Tensor> decayed_parameters(LiftingNetwork& model);
// Sets the groups' learning rate to `lr`, the output layer's to lr * options.output_lr_scale.
void set_learning_rate(torch::optim::Optimizer& optimizer, const TrainOptions& options, double lr);

// The batch order of an epoch: a permutation that depends only on (seed, epoch).
std::vector<int64_t> epoch_permutation(uint64_t seed, int epoch, int64_t size);

}  // namespace hoif
