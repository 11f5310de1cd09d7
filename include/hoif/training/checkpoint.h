#pragma once
// Checkpoints as training sees them: the file (inference/checkpoint_file.h) with the whole
// training configuration (model, sizes, joints, keypoint source, recipe) and state (step, epoch,
// learning rate, history). Everything needed to evaluate, resume or export comes from the file.
#include <limits>
#include <string>
#include <vector>

#include <torch/optim/optimizer.h>

#include "hoif/inference/checkpoint_file.h"
#include "hoif/models/network.h"
#include "hoif/training/recipe.h"

namespace hoif {

struct EpochRecord {
  int epoch = 0;
  double lr = 0, loss = 0;       // loss: the mean training loss over the epoch (training/loss.h)
  double p1 = 0, p2 = 0;         // per-epoch error (mm) of the evaluated poses pooled, as the originals log; NaN: none
  int64_t poses_seen = 0;        // training poses processed so far
  double seconds = 0;            // wall-clock training time so far (evaluation excluded)
};

struct TrainState {
  int epoch = 0;                 // completed epochs
  int64_t batch_in_epoch = 0;    // batches of the next epoch already done (an interrupted epoch)
  int64_t step = 0;              // optimizer steps
  double lr = 0;
  double epoch_loss_sum = 0;     // of the interrupted epoch so far
  int64_t epoch_poses = 0;
  int64_t poses_seen = 0;
  double train_seconds = 0;
  double best_p1 = std::numeric_limits<double>::infinity();
  int best_epoch = 0;
  double baseline_p1 = 0;        // predicting the mean training pose, pooled test P1 (mm)
  std::vector<EpochRecord> history;

  std::string to_json() const;
  static TrainState from_json(const std::string& text, const std::string& where);
};

// With `average` (training with a weight average), the checkpoint's model is the average, what
// evaluation, export and lifting use; the optimizer's weights are kept beside it to resume from.
void save_checkpoint(const std::string& path, const TrainOptions& options, const TrainState& state,
                     LiftingNetwork& model, torch::optim::Optimizer* optimizer, LiftingNetwork* average = nullptr);

// A checkpoint file (inference/checkpoint_file.h) with its options and training state read.
struct LoadedCheckpoint : CheckpointFile {
  TrainOptions options;
  TrainState state;
};

// A clear error naming the file for anything that is not a readable hoif checkpoint.
LoadedCheckpoint load_checkpoint(const std::string& path, const torch::Device& device);
// The same from a checkpoint's bytes; `name` stands for the file in errors (the fuzzer's entry).
LoadedCheckpoint load_checkpoint_from_memory(const std::string& bytes, const std::string& name, const torch::Device& device);
// The weights to evaluate or inspect: the checkpoint's model, or with `training_weights` the
// optimizer's weights kept beside a weight average (a clear error naming the file if the run kept
// none apart), and their name for reports: "weights", "weight average" or "training weights".
struct CheckpointWeights {
  LiftingNetwork& model;
  std::string name;
};
CheckpointWeights checkpoint_weights(const LoadedCheckpoint& checkpoint, bool training_weights);
void restore_optimizer(const LoadedCheckpoint& checkpoint, torch::optim::Optimizer& optimizer);
void restore_rng(const LoadedCheckpoint& checkpoint);

}  // namespace hoif
