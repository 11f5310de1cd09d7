#pragma once
// The five models, each described once: its name, default sizes, the original training recipe,
// how to build it and how the original code named its parameters. A name is looked up here, once;
// everything else asks the network itself (LiftingNetwork). Adding a model: its own header and
// source, and one row in registry.cpp.
#include <memory>
#include <string>
#include <vector>

#include "hoif/models/network.h"

namespace hoif {

// The recipe the original repository trains with (REFERENCE.md); TrainOptions::recipe starts
// from it.
struct OriginalRecipe {
  int batch_size = 64, epochs = 50;
  double lr_gamma = 0.96;  // the learning rate's decay factor (every lr_decay steps)
};

struct ModelSpec {
  std::string name;
  int hid_dim = 0, num_layers = 0;  // the defaults ModelConfig::resolved fills in
  double dropout = 0;
  int width_multiple = 1;           // hid_dim must be a multiple of this
  OriginalRecipe recipe;
  std::shared_ptr<LiftingNetwork> (*make)(const ModelConfig& resolved) = nullptr;
  // The original's name for one of hoif's parameters or buffers (state_dict.h).
  std::string (*original_name)(const ModelConfig& resolved, const std::string& hoif_name) = nullptr;
};

const std::vector<ModelSpec>& model_specs();
// The spec of a model name, or a clear error listing the names (for `where`, e.g. "--model").
const ModelSpec& model_spec(const std::string& name, const std::string& where = "--model");

}  // namespace hoif
