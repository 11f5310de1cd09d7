// hoif export: a checkpoint's model alone (no optimizer or RNG state), for bundling and sharing.
#include <fmt/format.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/training/checkpoint.h"

namespace hoif::cli {

namespace {

struct ExportFlags {
  std::string checkpoint, weights_only;
};

void run(const ExportFlags& f) {
  if (f.weights_only.empty()) fail("export", "say what to write: --weights-only FILE");
  LoadedCheckpoint c = load_checkpoint(f.checkpoint, torch::kCPU);
  save_checkpoint(f.weights_only, c.options, c.state, *c.model, nullptr);
  fmt::print("{}: {} ({} parameters, epoch {}) without optimizer state\n", f.weights_only, c.options.model.name,
             c.model->parameter_count(), c.state.epoch);
}

}  // namespace

void register_export(CLI::App& app) {
  auto f = std::make_shared<ExportFlags>();
  CLI::App* cmd = app.add_subcommand("export", "Write a checkpoint's model for sharing");
  cmd->add_option("checkpoint", f->checkpoint, "A checkpoint")->required();
  cmd->add_option("--weights-only", f->weights_only, "A checkpoint with the model, its recipe and history, but no optimizer state");
  cmd->callback([f] { run(*f); });
}

}  // namespace hoif::cli
