#pragma once
// A TensorFlow.js graph model run with ATen operations: model.json (a TensorFlow GraphDef as
// JSON, its signature and a weightsManifest) and the .bin weight shards beside it. Only the
// operations of tfjs_ops.h are supported; any other is named in one error line when the model
// is loaded. Tensors follow TensorFlow's conventions (NHWC images, int32 indices).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace hoif {

class TfjsGraph {
 public:
  // Reads model.json and its shards (paths in the manifest are relative to model.json). Errors
  // name the file: unreadable JSON, a missing or short shard, an unknown op or dtype, a cycle.
  static TfjsGraph load(const std::string& model_json);
  // The same from memory: the JSON text and the shards' bytes concatenated in manifest order.
  static TfjsGraph parse(const std::string& json_text, const std::string& weight_bytes, const std::string& where);

  // Runs the nodes the outputs need. inputs: placeholder name -> tensor.
  std::vector<torch::Tensor> run(const std::map<std::string, torch::Tensor>& inputs,
                                 const std::vector<std::string>& outputs) const;
  // The signature's first input and output names (without ":0") and the input's static shape
  // (-1 where unknown).
  const std::string& input_name() const;
  const std::string& output_name() const;
  const std::vector<int64_t>& input_shape() const;
  int64_t parameter_count() const;

  TfjsGraph(TfjsGraph&&) noexcept;
  TfjsGraph& operator=(TfjsGraph&&) noexcept;
  ~TfjsGraph();

 private:
  struct Impl;
  explicit TfjsGraph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoif
