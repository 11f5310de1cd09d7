// hoif import-weights: a state dict of the original Python code (exported to npz) to a checkpoint.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/models/state_dict.h"
#include "hoif/training/checkpoint.h"

namespace hoif::cli {

namespace {

struct ImportFlags {
  std::string model, weights, out, data, keypoints = "gt";
  int joints = 16, hid_dim = 0, num_layers = 0;
};

void run(const ImportFlags& f) {
  check_output_paths({{"--weights", f.weights}, {"--data", f.data}}, {{"--out", f.out}});
  TrainOptions o = TrainOptions::recipe(f.model);
  o.model.joints = f.joints;
  o.model.hid_dim = f.hid_dim;  // 0: the default; negative: refused by resolved()
  o.model.num_layers = f.num_layers;
  o.model = o.model.resolved();
  o.data_path = f.data;
  o.data.keypoints = f.keypoints;
  auto model = make_network(o.model);
  const StateDict state = read_state_dict_npz(f.weights);
  const ImportReport report = import_state_dict(*model, state, f.weights);
  require_finite_weights(*model, f.weights);
  TrainState s;
  save_checkpoint(f.out, o, s, *model, nullptr);
  fmt::print("imported {} tensors into {} ({} parameters) -> {}\n", report.loaded, o.model.name, model->parameter_count(), f.out);
  if (!report.unused.empty()) {
    fmt::print("left out {} entries the network never uses:", report.unused.size());
    for (const auto& n : report.unused) fmt::print(" {}", n);
    fmt::print("\n");
  }
}

}  // namespace

void register_import_weights(CLI::App& app) {
  auto f = std::make_shared<ImportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "import-weights",
      "Load weights of the original Python code (state_dict saved as npz, original parameter names) into a checkpoint");
  cmd->add_option("--model", f->model, fmt::format("{}", fmt::join(model_names(), " | ")))->required();
  cmd->add_option("--weights", f->weights,
                  "npz of the state dict: numpy.savez(f, **{k: v.numpy() for k, v in sd.items()})")
      ->required();
  cmd->add_option("--out", f->out, "The checkpoint to write")->required();
  cmd->add_option("--joints", f->joints, "16 (GT, SH) or 17 (CPN)")->capture_default_str();
  cmd->add_option("--hid-dim", f->hid_dim, "Hidden width if not the default");
  cmd->add_option("--num-layers", f->num_layers, "Blocks / hidden layers if not the default");
  cmd->add_option("--data", f->data, "Data to evaluate it on later (stored in the checkpoint)");
  cmd->add_option("--keypoints", f->keypoints, "Its 2D input")->capture_default_str();
  cmd->callback([f] { run(*f); });
}

}  // namespace hoif::cli
