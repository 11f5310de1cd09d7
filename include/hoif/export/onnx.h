#pragma once
// A trained model as an ONNX graph (opset 13) for ONNX runtimes: input "poses_2d" (batch, J, 2),
// width-normalised screen coordinates; output "poses_3d" (batch, J, 3), camera frame, metres, as
// LiftingNetwork::forward in eval mode. BatchNorm is folded into the weights; only MatMul, Reshape,
// Transpose, Add and Relu are used, so any runtime can run it.
#include <string>

#include "hoif/models/network.h"

namespace hoif {

// Checked with ONNX's model checker and written atomically; semgcn-nonlocal is not supported
// (an error says so; export it to TorchScript).
void export_onnx(LiftingNetwork& model, const std::string& path);

}  // namespace hoif
