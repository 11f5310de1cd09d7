// hoif info: what a checkpoint holds.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/training/checkpoint.h"

namespace hoif::cli {

namespace {

// One line per parameter and buffer: how a training run left the weights (say, an output layer
// still within its initialisation's bounds, or BatchNorm scales near zero).
void print_tensors(LiftingNetwork& model, const std::string& which) {
  fmt::print("tensors of the {} (name, shape, mean |x|, min, max; integer buffers by value)\n", which);
  const auto line = [](const std::string& kind, const std::string& name, const torch::Tensor& t) {
    const std::string shape = fmt::format("[{}]", fmt::join(t.sizes(), ", "));
    if (!t.is_floating_point()) {
      fmt::print("{:<6} {:<40} {:<16} {}\n", kind, name, shape, t.numel() == 1 ? std::to_string(t.item<int64_t>()) : "-");
      return;
    }
    const torch::Tensor f = t.detach().to(torch::kCPU, torch::kDouble);
    fmt::print("{:<6} {:<40} {:<16} {:>10.4g} {:>10.4g} {:>10.4g}\n", kind, name, shape, f.abs().mean().item<double>(),
               f.min().item<double>(), f.max().item<double>());
  };
  for (const auto& p : model.named_parameters()) line("param", p.key(), p.value());
  for (const auto& b : model.named_buffers()) line("buffer", b.key(), b.value());
}

}  // namespace

void register_info(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto tensors = std::make_shared<bool>(false), training_weights = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("info", "Show a checkpoint's model, parameter count, training state and history");
  cmd->add_option("checkpoint", *path, "A hoif checkpoint (.ckpt)")->required();
  cmd->add_flag("--tensors", *tensors, "Also list every parameter and buffer with its shape and value range");
  cmd->add_flag("--training-weights", *training_weights,
                "With --tensors: the optimizer's weights instead of the weight average kept beside them");
  cmd->callback([path, tensors, training_weights] {
    if (*training_weights && !*tensors) fail("--training-weights", "only applies with --tensors");
    const LoadedCheckpoint c = load_checkpoint(*path, torch::Device(torch::kCPU));
    // Before the summary, so that a bad flag prints nothing else.
    const CheckpointWeights weights = checkpoint_weights(c, *training_weights);
    const ModelConfig& m = c.options.model;
    const TrainState& s = c.state;
    fmt::print("{}\n", *path);
    fmt::print("model       {} ({} joints, hid_dim {}, num_layers {}, dropout {})\n", m.name, m.joints, m.hid_dim, m.num_layers, m.dropout);
    fmt::print("parameters  {} (all receive a gradient)\n", c.model->parameter_count());
    fmt::print("data        {} (keypoints '{}', downsample {})\n", c.options.data_path.empty() ? "-" : c.options.data_path,
               c.options.data.keypoints, c.options.data.downsample);
    const TrainOptions& o = c.options;
    const std::string over = o.train_minutes > 0 ? fmt::format(" over {} min", o.train_minutes) : "";
    const std::string schedule = o.lr_schedule == "cosine"     ? fmt::format("lr {} cosine to {}{}", o.lr, o.lr_min, over)
                                 : o.lr_schedule == "constant" ? fmt::format("lr {} constant{}", o.lr, over)
                                                               : fmt::format("lr {} x{} every {} steps", o.lr, o.lr_gamma, o.lr_decay);
    fmt::print("recipe      {}{} epochs, batch {}, {}{}, {} loss, clip {}{}{}{}{}{}, seed {}\n", o.train_minutes > 0 ? "at most " : "",
               o.epochs, o.batch_size, schedule,
               o.output_lr_scale != 1 ? fmt::format(" (output layer x{})", o.output_lr_scale) : "", o.loss,
               o.max_norm ? "1" : "off", o.weight_decay > 0 ? fmt::format(", weight decay {}", o.weight_decay) : "",
               o.flip_augment ? ", flip augmentation" : "",
               o.bone_augment > 0 ? fmt::format(", bone lengths x{} to x{}", 1 - o.bone_augment, 1 + o.bone_augment) : "",
               o.rotate_augment > 0 ? fmt::format(", rotation about the vertical up to {} deg", o.rotate_augment) : "",
               o.weight_average > 0 ? fmt::format(", weight average (decay {})", o.weight_average) : "", o.seed);
    const std::vector<std::string>& held_out = o.data.validation_subjects;
    if (!o.evaluates_each_epoch())
      fmt::print("per epoch   no evaluation (the test subjects were not looked at during training)\n");
    else
      fmt::print("per epoch   {}{} on every {} pose(s){}{}\n", o.evaluation_set(),
                 held_out.empty() ? "" : fmt::format(" ({} held out)", fmt::join(held_out, " ")), o.eval_downsample,
                 o.flip_test ? ", flip test-time averaging" : "", o.monitor_test ? ": a test-monitored run" : "");
    fmt::print("state       epoch {} done{}, step {}, lr {:.4g}, {} poses seen, {:.1f} min training\n", s.epoch,
               s.batch_in_epoch ? fmt::format(" (+{} batches of the next)", s.batch_in_epoch) : "", s.step, s.lr,
               s.poses_seen, s.train_seconds / 60);
    if (!s.history.empty() && o.evaluates_each_epoch()) {
      const EpochRecord& last = s.history.back();
      const std::string set = o.evaluation_set();
      fmt::print("last epoch  {} P1 {:.2f} mm, P2 {:.2f} mm ({} poses pooled)\n", set, last.p1, last.p2, set);
      fmt::print("best epoch  {} with {} P1 {:.2f} mm ({})\n", s.best_epoch, set, s.best_p1, o.best_epoch_selection());
    }
    if (s.baseline_p1 > 0) fmt::print("baseline    mean training pose: {} P1 {:.2f} mm\n", o.evaluation_set(), s.baseline_p1);
    if (*tensors) print_tensors(weights.model, weights.name);
  });
}

}  // namespace hoif::cli
