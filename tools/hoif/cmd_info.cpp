// hoif info: what a checkpoint holds.
#include <fmt/format.h>

#include "commands.h"
#include "hoif/training/checkpoint.h"

namespace hoif::cli {

void register_info(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("info", "Show a checkpoint's model, parameter count, training state and history");
  cmd->add_option("checkpoint", *path, "A hoif checkpoint (.ckpt)")->required();
  cmd->callback([path] {
    const LoadedCheckpoint c = load_checkpoint(*path, torch::Device(torch::kCPU));
    const ModelConfig& m = c.options.model;
    const TrainState& s = c.state;
    fmt::print("{}\n", *path);
    fmt::print("model       {} ({} joints, hid_dim {}, num_layers {}, dropout {})\n", m.name, m.joints, m.hid_dim, m.num_layers, m.dropout);
    fmt::print("parameters  {} (all receive a gradient)\n", c.model->parameter_count());
    fmt::print("data        {} (keypoints '{}', stride {})\n", c.options.data_path.empty() ? "-" : c.options.data_path,
               c.options.data.keypoints, c.options.data.stride);
    fmt::print("recipe      {} epochs, batch {}, lr {} x{} every {} steps, clip {}, seed {}\n", c.options.epochs,
               c.options.batch_size, c.options.lr, c.options.lr_gamma, c.options.lr_decay, c.options.max_norm ? "1" : "off",
               c.options.seed);
    fmt::print("state       epoch {} done{}, step {}, lr {:.4g}, {} poses seen, {:.1f} min training\n", s.epoch,
               s.batch_in_epoch ? fmt::format(" (+{} batches of the next)", s.batch_in_epoch) : "", s.step, s.lr,
               s.poses_seen, s.train_seconds / 60);
    if (!s.history.empty()) {
      const EpochRecord& last = s.history.back();
      fmt::print("last epoch  test P1 {:.2f} mm, P2 {:.2f} mm (all test poses pooled)\n", last.p1, last.p2);
      fmt::print("best epoch  {} with test P1 {:.2f} mm (selected on the test set)\n", s.best_epoch, s.best_p1);
    }
    if (s.baseline_p1 > 0) fmt::print("baseline    mean training pose: test P1 {:.2f} mm\n", s.baseline_p1);
  });
}

}  // namespace hoif::cli
