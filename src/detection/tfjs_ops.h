#pragma once
// The TensorFlow operations a TfjsGraph can run, one ATen function each (private to
// src/detection). Images are NHWC as in TensorFlow; convolutions run on channels-last views,
// so no layout copies are made between layers.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

namespace hoif::tfjs {

struct Node {
  std::string name, op;
  std::vector<std::string> inputs;  // "node", "node:k" (k-th output); control inputs removed
  nlohmann::json attr;              // the GraphDef attributes as tfjs-converter writes them
};

using Kernel = std::function<std::vector<torch::Tensor>(const std::vector<torch::Tensor>&)>;

// The kernel of one node. constants[i] is input i's value when it is a constant (weights,
// shapes, axes), else an undefined tensor: kernels prepare constant weights once here.
// An unsupported op or attribute is an Error naming the node, prefixed by `where`.
Kernel compile(const Node& node, const std::vector<torch::Tensor>& constants, const std::string& where);
// How many outputs the node has (Unpack: num; everything else: 1).
int output_count(const Node& node);
// The names of the supported ops, for messages and the docs.
std::string supported_ops();

}  // namespace hoif::tfjs
