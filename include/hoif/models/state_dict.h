#pragma once
// Weights of the original Python implementations, under their parameter names, loaded into
// hoif's models: the parity tests use it, and so does `hoif import-weights`.
#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

#include "hoif/models/network.h"

namespace hoif {

using StateDict = std::map<std::string, torch::Tensor>;

// An npz of arrays keyed by parameter name (numpy.savez(path, **{k: v.numpy() for k, v in
// model.state_dict().items()})); keys may carry a prefix such as "param/" that is stripped.
StateDict read_state_dict_npz(const std::string& path, const std::vector<std::string>& prefixes = {"", "param/", "buffer/"});

// The original's name for one of hoif's parameters or buffers.
std::string original_name(const ModelConfig& config, const std::string& hoif_name);

struct ImportReport {
  int64_t loaded = 0;
  // Original entries hoif does not build: the order-0 edge weights (A_0 is always the identity),
  // the second bias every HGCN/HOIF-Net layer creates, HOIF-Net's layers that forward() never calls.
  std::vector<std::string> unused;
};

// Copies every parameter and buffer of `model` from `state` (by original name); a missing entry
// or a shape mismatch is an error naming `where`.
ImportReport import_state_dict(LiftingNetwork& model, const StateDict& state, const std::string& where);

}  // namespace hoif
