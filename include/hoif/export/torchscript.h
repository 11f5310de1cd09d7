#pragma once
// A trained model as a self-contained TorchScript program (torch.jit.load in Python, or
// torch::jit::load in C++): forward(poses_2d (B, J, 2), width-normalised) -> (B, J, 3) camera
// frame, metres, as LiftingNetwork::forward in eval mode. BatchNorm is folded into the weights.
#include <string>

#include "hoif/models/network.h"

namespace hoif {

// Written atomically.
void export_torchscript(LiftingNetwork& model, const std::string& path);

}  // namespace hoif
