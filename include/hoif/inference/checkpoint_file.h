#pragma once
// The checkpoint file, read and written here: a LibTorch archive holding a format tag, the run's
// options and training state as JSON text (training/checkpoint.h gives them their meaning), the
// weights to use (the weight average, when the run kept one), the optimizer's own weights beside
// an average, and the optimizer and RNG states. Reading checks every byte (the zip's checksums)
// and that the stored weights fit the stored model exactly: a damaged or mismatched file is an
// error naming it, never a model that lifts garbage.
#include <memory>
#include <string>

#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>

#include "hoif/models/network.h"

namespace hoif {

struct CheckpointFile {
  std::string path;
  std::string options_json, state_json;
  std::shared_ptr<LiftingNetwork> model;           // the weights to use (the average, if one was kept)
  std::shared_ptr<LiftingNetwork> training_model;  // the optimizer's weights when they differ; else null
  std::shared_ptr<torch::serialize::InputArchive> archive;  // for the optimizer and RNG states
};

// A clear error naming the file for anything that is not a readable hoif checkpoint.
CheckpointFile read_checkpoint_file(const std::string& path, const torch::Device& device);
// A checkpoint file's bytes, unparsed (a folder or a missing file is a clear error).
std::string read_checkpoint_file_bytes(const std::string& path);
// The same from a checkpoint's bytes; `name` stands for the file in errors (the fuzzer's entry).
CheckpointFile read_checkpoint_bytes(const std::string& bytes, const std::string& name, const torch::Device& device);

// Written atomically: a failure leaves the previous file intact. `training_model` (optional) is
// the optimizer's weights when `model` is their average.
void write_checkpoint_file(const std::string& path, const std::string& options_json, const std::string& state_json,
                           LiftingNetwork& model, LiftingNetwork* training_model, torch::optim::Optimizer* optimizer);

}  // namespace hoif
