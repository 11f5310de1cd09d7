// hoif export: a checkpoint's model for sharing: without optimizer state, as TorchScript, or as ONNX.
#include <fmt/format.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/export/onnx.h"
#include "hoif/export/torchscript.h"
#include "hoif/training/checkpoint.h"

namespace hoif::cli {

namespace {

struct ExportFlags {
  std::string checkpoint, weights_only, torchscript, onnx;
};

void run(const ExportFlags& f) {
  if (f.weights_only.empty() && f.torchscript.empty() && f.onnx.empty())
    fail("export", "say what to write: --weights-only FILE, --torchscript FILE and/or --onnx FILE");
  check_output_paths({{"the checkpoint", f.checkpoint}},
                     {{"--weights-only", f.weights_only}, {"--torchscript", f.torchscript}, {"--onnx", f.onnx}});
  LoadedCheckpoint c = load_checkpoint(f.checkpoint, torch::kCPU);
  if (!f.weights_only.empty()) {
    save_checkpoint(f.weights_only, c.options, c.state, *c.model, nullptr);
    fmt::print("{}: {} ({} parameters, epoch {}) without optimizer state\n", f.weights_only, c.options.model.name,
               c.model->parameter_count(), c.state.epoch);
  }
  if (!f.torchscript.empty()) {
    export_torchscript(*c.model, f.torchscript);
    fmt::print("{}: TorchScript, forward(poses_2d (B, {}, 2) width-normalised) -> (B, {}, 3) metres\n", f.torchscript,
               c.options.model.joints, c.options.model.joints);
  }
  if (!f.onnx.empty()) {
    export_onnx(*c.model, f.onnx);
    fmt::print("{}: ONNX (opset 13), poses_2d (batch, {}, 2) width-normalised -> poses_3d (batch, {}, 3) metres\n", f.onnx,
               c.options.model.joints, c.options.model.joints);
  }
}

}  // namespace

void register_export(CLI::App& app) {
  auto f = std::make_shared<ExportFlags>();
  CLI::App* cmd = app.add_subcommand("export", "Write a checkpoint's model for sharing");
  cmd->add_option("checkpoint", f->checkpoint, "A checkpoint")->required();
  cmd->add_option("--weights-only", f->weights_only, "A checkpoint with the model, its recipe and history, but no optimizer state");
  cmd->add_option("--torchscript", f->torchscript, "A TorchScript program (torch.jit.load / torch::jit::load)");
  cmd->add_option("--onnx", f->onnx, "An ONNX graph (opset 13): input poses_2d, output poses_3d");
  cmd->callback([f] { run(*f); });
}

}  // namespace hoif::cli
