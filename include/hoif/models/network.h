#pragma once
// The common face of the five models: (B, J, 2) width-normalised 2D in, (B, J, 3) camera-frame
// root-relative 3D (metres) out. Chosen by name (registry.h); the configuration travels in
// checkpoints.
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

namespace hoif {

struct ModelConfig {
  std::string name;      // martinez | semgcn | semgcn-nonlocal | hgcn | hoif
  int joints = 16;       // 16 (GT, Stacked Hourglass) or 17 (CPN)
  int hid_dim = 0;       // 0: the model's default (1024, 128, 128, 96, 64)
  int num_layers = 0;    // 0: default (martinez 2 stages, GCNs 4 blocks, hoif 8 hidden layers)
  double dropout = -1;   // < 0: default (martinez 0.5, GCNs none)

  // Fills every 0 field (negative dropout) with the model's default; unknown names, negative
  // sizes and models beyond kMaxModelBytes are errors, raised before anything is allocated.
  ModelConfig resolved() const;
  // An upper bound of the weights' bytes from the sizes alone (every model's layers hold at most
  // 64 hid_dim x hid_dim matrices per block, with the input and output layers as two more blocks).
  double weight_bytes_bound() const;
  std::string to_json() const;
  static ModelConfig from_json(const std::string& text, const std::string& where);
};

const std::vector<std::string>& model_names();
// The largest model hoif builds: its weights, optimizer state and gradients several times over
// must fit a machine's memory.
constexpr double kMaxModelBytes = 2.0 * (1 << 30);
// A clear error naming `where` and the tensor if any weight or buffer is NaN or infinite.
void require_finite_weights(const torch::nn::Module& model, const std::string& where);

// How an exporter (export/) rebuilds a network's inference computation from its folded_layers():
// which kind of computation, and the constants that are not tensors.
struct FoldedForm {
  enum class Kind { linear, semantic_graph, high_order } kind = Kind::linear;
  // high_order: the weight of the initial residual X0 (HOIF-Net; 0: none) and whether the hidden
  // layers come in residual pairs (HGCN).
  double alpha = 0;
  bool residual_pairs = false;
  // semantic_graph: graph layers, non-local blocks (0: plain SemGCN), joints per non-local group.
  int64_t graph_layers = 0, nonlocal_blocks = 0, group_size = 0;
};

class LiftingNetwork : public torch::nn::Module {
 public:
  explicit LiftingNetwork(ModelConfig config) : config_(std::move(config)) {}
  virtual torch::Tensor forward(const torch::Tensor& poses_2d) = 0;
  // The linear model predicts J - 1 joints and pads the root with zeros; its loss leaves the root out.
  virtual bool predicts_root() const { return true; }
  // The registered name of the layer that outputs the 3D joints (its parameters' name prefix);
  // the four graph networks keep the originals' name.
  virtual std::string output_layer_name() const { return "gconv_output"; }
  const ModelConfig& config() const { return config_; }
  // Parameters that receive a gradient (all that hoif builds).
  int64_t parameter_count() const;
  // Floating-point operations of one pose's forward pass (multiply-adds count 2), from the
  // layer shapes: what the work is, whatever the implementation.
  virtual double forward_flops_per_pose() const = 0;
  // The inference form of every layer in forward order (BatchNorm folded; see each model), what
  // an exported program needs besides the configuration.
  virtual std::vector<torch::Tensor> folded_layers() = 0;
  virtual FoldedForm folded_form() const = 0;

 private:
  ModelConfig config_;
};

std::shared_ptr<LiftingNetwork> make_network(const ModelConfig& config);

}  // namespace hoif
