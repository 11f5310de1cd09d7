#pragma once
// What `hoif train` does and the original recipes it defaults to (batch size, epochs and
// learning-rate decay per model: OriginalRecipe in models/registry.cpp, from section 2 of the
// methods reference, ../shared/docs/REFERENCE.md beside the repository); lr 1e-3 decayed every
// 100k steps, Martinez's dropout 0.5.
// All: Adam, gradient-norm clipping at 1, MSE in metres, reshuffled every epoch.
// Beyond the originals (off by default): a cosine schedule over the run's steps or over a
// fixed training time, flip, bone-length and rotation augmentation, flip test-time averaging in the
// per-epoch evaluation, a strided per-epoch test, an exponential moving average of the weights,
// the MPJPE loss, a lower learning rate for the output layer, decoupled weight decay, training
// subjects held out for the per-epoch evaluation.
#include <cstdint>
#include <string>

#include "hoif/data/dataset.h"
#include "hoif/models/network.h"

namespace hoif {

struct TrainOptions {
  ModelConfig model;
  std::string data_path;
  DatasetOptions data;
  int epochs = 0;
  int batch_size = 0;
  double lr = 1e-3;
  int64_t lr_decay = 100000;  // steps between decays
  double lr_gamma = 0.0;
  std::string lr_schedule = "staircase";  // staircase (the originals) | cosine (lr -> lr_min over all steps) | constant
  double lr_min = 0.0;        // cosine: the rate at the last step
  // The output layer's learning rate as a fraction of the others' (1: one rate, the originals).
  // Adam moves every weight by about the rate per step, so an output layer that reads many wide
  // channels moves the prediction by far more per step than a hidden one behind BatchNorm.
  double output_lr_scale = 1.0;
  // Decoupled weight decay of the weight matrices (0: none, the originals): each step shrinks
  // them by the factor 1 - lr * weight_decay (training/optimizer.h).
  double weight_decay = 0.0;
  bool flip_augment = false;  // mirror each training pose with probability 1/2
  // > 0: scale each training pose's bones by random factors in [1 - this, 1 + this] and move its
  // 2D keypoints with the projection (training/augment.h); 0: off, the originals.
  double bone_augment = 0.0;
  // > 0: rotate each training pose about the world's vertical through its root by a random angle
  // in [-this, this] degrees and move its 2D keypoints with the projection; 0: off, the originals.
  double rotate_augment = 0.0;
  bool flip_test = false;     // per-epoch evaluation averages each pose with its mirror image
  // Evaluate the test subjects after each epoch and choose best.ckpt on them, as the originals do.
  // Off by default, so that no run looks at the test set by accident: such a run is marked
  // "test-monitored" in its checkpoint, its log and every result made from it.
  bool monitor_test = false;
  int eval_downsample = 1;        // per-epoch evaluation on every N-th test pose
  double weight_average = 0;  // > 0: keep, evaluate and save an average of the weights with this per-step decay
  double save_every_minutes = 10;  // also save last.ckpt within an epoch this often (0: only at epoch ends)
  bool max_norm = true;       // clip the global gradient norm at 1
  std::string loss = "mse";   // mse (the originals) | mpjpe (training/loss.h)
  std::string checkpoint_dir = "checkpoint";
  int snapshot = 5;           // keep a checkpoint every N epochs
  uint64_t seed = 0;
  int threads = 0;            // 0: every core
  int world_size = 1;         // ranks of a data-parallel run (each trains on batch_size / world_size)
  std::string device = "cpu";
  double time_budget_minutes = 0;  // this session stops (resumably) after this many minutes; 0: none
  // > 0: the run trains this many minutes in all (summed over sessions, evaluation excluded) and
  // then ends, or after `epochs` if that comes first; a cosine schedule spans this time instead of
  // the steps, so the run fits a budget whatever the machine's speed.
  double train_minutes = 0;

  // The original recipe for a model, with every field filled.
  static TrainOptions recipe(const std::string& model_name);
  // The learning rate at optimizer step `step` (1-based) of a run of `total_steps` steps, after
  // `train_seconds` of training.
  double learning_rate(int64_t step, int64_t total_steps, double train_seconds = 0) const;
  // What the per-epoch evaluation (and best.ckpt's choice) runs on: "validation" when training
  // subjects are held out (data.validation_subjects), "test" (S9 S11) with monitor_test, else
  // "none": the test set is then evaluated once, after training, by `hoif evaluate`.
  std::string evaluation_set() const;
  bool evaluates_each_epoch() const { return evaluation_set() != "none"; }
  // How best.ckpt's epoch was chosen, for reports.
  std::string best_epoch_selection() const;
  // Whether a run with `train_minutes` has used that time.
  bool training_time_used(double train_seconds) const { return train_minutes > 0 && train_seconds >= 60 * train_minutes; }
  std::string to_json() const;
  static TrainOptions from_json(const std::string& text, const std::string& where);
};

// The originals' schedule: lr0 * gamma^(s / decay), updated at step 1 and at every multiple of
// `decay` (s is the last such step), i.e. a staircase that starts a hair below lr0.
double learning_rate_at(double lr0, double gamma, int64_t decay, int64_t step);

// Cosine annealing over a fraction t of the run: lr0 at t = 0, lr_min at t >= 1.
double cosine_learning_rate(double lr0, double lr_min, double t);
// The same over steps: lr0 at step 1, lr_min at step total_steps.
double cosine_learning_rate(double lr0, double lr_min, int64_t step, int64_t total_steps);

}  // namespace hoif
