#include "hoif/export/onnx.h"

#include <fstream>

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/models/network.h"

namespace hoif {

namespace {

// Appends nodes and constants to an ONNX graph; every value gets a fresh name.
class GraphBuilder {
 public:
  explicit GraphBuilder(onnx::GraphProto& graph) : graph_(graph) {}

  std::string constant(const torch::Tensor& t) {
    const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    onnx::TensorProto* p = graph_.add_initializer();
    p->set_name(fresh("w"));
    p->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : c.sizes()) p->add_dims(d);
    p->set_raw_data(std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()) * sizeof(float)));
    return p->name();
  }

  std::string shape(const std::vector<int64_t>& dims) {
    onnx::TensorProto* p = graph_.add_initializer();
    p->set_name(fresh("shape"));
    p->set_data_type(onnx::TensorProto::INT64);
    p->add_dims(static_cast<int64_t>(dims.size()));
    for (int64_t d : dims) p->add_int64_data(d);
    return p->name();
  }

  std::string op(const std::string& type, const std::vector<std::string>& inputs, const std::string& output = "") {
    onnx::NodeProto* n = graph_.add_node();
    n->set_op_type(type);
    n->set_name(fresh(type));
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output.empty() ? fresh("v") : output);
    last_ = n;
    return n->output(0);
  }

  std::string matmul(const std::string& x, const torch::Tensor& w) { return op("MatMul", {x, constant(w)}); }
  std::string add(const std::string& a, const std::string& b) { return op("Add", {a, b}); }
  std::string relu(const std::string& x) { return op("Relu", {x}); }
  std::string reshape(const std::string& x, const std::vector<int64_t>& dims) { return op("Reshape", {x, shape(dims)}); }
  std::string transpose(const std::string& x, const std::vector<int64_t>& perm) {
    const std::string out = op("Transpose", {x});
    onnx::AttributeProto* a = last_->add_attribute();
    a->set_name("perm");
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t p : perm) a->add_ints(p);
    return out;
  }

 private:
  std::string fresh(const std::string& stem) { return fmt::format("{}_{}", stem, count_++); }

  onnx::GraphProto& graph_;
  onnx::NodeProto* last_ = nullptr;
  int count_ = 0;
};

// One graph convolution on (B, J, C) values, batch-major: P = X·W (all K branches side by side,
// (C, K·O)), then each output joint mixes the joints of each branch through G, a (K·J, K_out·J)
// matrix (block-diagonal when the branches stay side by side, stacked when they are summed).
// Runs as plain 2-D products, so no runtime needs batched or broadcast matrix products.
std::string graph_conv(GraphBuilder& g, const std::string& x, const torch::Tensor& w_side_by_side,
                       const torch::Tensor& mixing, int64_t J, int64_t K, int64_t K_out) {
  const int64_t O = w_side_by_side.size(1) / K;
  std::string v = g.matmul(x, w_side_by_side);
  v = g.transpose(g.reshape(v, {-1, J, K, O}), {0, 3, 2, 1});  // (B, O, K, J)
  v = g.matmul(g.reshape(v, {-1, K * J}), mixing);              // (B·O, K_out·J)
  v = g.transpose(g.reshape(v, {-1, O, K_out, J}), {0, 3, 2, 1});
  return g.reshape(v, {-1, J, K_out * O});
}

// HGCN / HOIF-Net layer from LiftingNetwork::folded_layers: mixing (4J, J) with rows k·J + j,
// weights (C, 4·O), bias. out = Σ or concat_k [(1 - α) A_k X + α X0] W_k + b.
std::string high_order_layer(GraphBuilder& g, const std::string& x, const std::string& x0, const torch::Tensor* t,
                             double alpha, bool sum_orders, bool relu) {
  const int64_t J = t[0].size(1), O = t[1].size(1) / 4, K_out = sum_orders ? 1 : 4;
  // G[k·J + i, k'·J + j] = (1 - α) A_k[j, i], with k' = k side by side or 0 when summed.
  const torch::Tensor a = t[0].view({4, J, J}).transpose(1, 2) * (1.0 - alpha);
  torch::Tensor mixing = torch::zeros({4 * J, K_out * J});
  for (int64_t k = 0; k < 4; ++k) {
    const int64_t col = sum_orders ? 0 : k * J;
    mixing.narrow(0, k * J, J).narrow(1, col, J).copy_(a[k]);
  }
  std::string v = graph_conv(g, x, t[1], mixing, J, 4, K_out);
  if (alpha != 0.0) {
    const torch::Tensor w = t[1] * alpha;
    v = g.add(v, g.matmul(x0, sum_orders ? w.view({-1, 4, O}).sum(1) : w));
  }
  v = g.add(v, g.constant(t[2]));
  return relu ? g.relu(v) : v;
}

// SemGCN layer: mixing (J, 2J) with columns s·J + i (s = self, neighbours), weights (2, C, O).
std::string sem_layer(GraphBuilder& g, const std::string& x, const torch::Tensor* t, bool relu) {
  const int64_t J = t[0].size(0), C = t[1].size(1), O = t[1].size(2);
  const torch::Tensor w = t[1].permute({1, 0, 2}).reshape({C, 2 * O});
  const std::string v = g.add(graph_conv(g, x, w, t[0].t().contiguous(), J, 2, 1), g.constant(t[2]));
  return relu ? g.relu(v) : v;
}

std::string build(GraphBuilder& g, const FoldedForm& form, const std::vector<torch::Tensor>& t, int64_t J) {
  const std::string input = "poses_2d";
  if (form.kind == FoldedForm::Kind::high_order && !form.residual_pairs) {  // HOIF-Net
    const double alpha = form.alpha;
    const size_t n = t.size() / 3;
    const std::string x0 = high_order_layer(g, input, input, &t[0], alpha, false, true);
    std::string x = x0;
    for (size_t i = 1; i + 1 < n; ++i) x = high_order_layer(g, x, x0, &t[3 * i], alpha, false, true);
    return high_order_layer(g, x, x0, &t[3 * (n - 1)], alpha, true, false);
  }
  if (form.kind == FoldedForm::Kind::high_order) {  // HGCN: no initial residual, residual pairs
    const size_t n = t.size() / 3;
    std::string x = high_order_layer(g, input, "", &t[0], 0.0, false, true);
    for (size_t i = 1; i + 1 < n - 1; i += 2)
      x = g.add(x, high_order_layer(g, high_order_layer(g, x, "", &t[3 * i], 0.0, false, true), "", &t[3 * i + 3], 0.0,
                                    false, true));
    return high_order_layer(g, x, "", &t[3 * (n - 1)], 0.0, true, false);
  }
  if (form.kind == FoldedForm::Kind::semantic_graph) {
    const size_t n = t.size() / 3;
    std::string x = sem_layer(g, input, &t[0], true);
    for (size_t i = 1; i + 1 < n - 1; i += 2) x = g.add(x, sem_layer(g, sem_layer(g, x, &t[3 * i], true), &t[3 * i + 3], true));
    return sem_layer(g, x, &t[3 * (n - 1)], false);
  }
  // The linear model: flattened 2D in; its last layer gets three zero columns in front so that it
  // writes the root (always zero) as well.
  const size_t n = t.size() / 2;
  std::string y = g.relu(g.add(g.matmul(g.reshape(input, {-1, 2 * J}), t[0]), g.constant(t[1])));
  for (size_t i = 1; i + 1 < n - 1; i += 2) {
    const std::string z = g.relu(g.add(g.matmul(y, t[2 * i]), g.constant(t[2 * i + 1])));
    y = g.add(y, g.relu(g.add(g.matmul(z, t[2 * i + 2]), g.constant(t[2 * i + 3]))));
  }
  const torch::Tensor& w = t[2 * n - 2];
  const torch::Tensor w_root = torch::cat({torch::zeros({w.size(0), 3}), w}, 1);
  const torch::Tensor b_root = torch::cat({torch::zeros({3}), t[2 * n - 1]});
  return g.reshape(g.add(g.matmul(y, w_root), g.constant(b_root)), {-1, J, 3});
}

void add_value_info(onnx::ValueInfoProto* v, const std::string& name, int64_t J, int64_t D) {
  v->set_name(name);
  auto* type = v->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  type->mutable_shape()->add_dim()->set_dim_param("batch");
  type->mutable_shape()->add_dim()->set_dim_value(J);
  type->mutable_shape()->add_dim()->set_dim_value(D);
}

}  // namespace

void export_onnx(LiftingNetwork& model, const std::string& path) {
  const ModelConfig& c = model.config();
  // Its non-local blocks need a product of two computed values per pose, which the runtime the
  // tests check with (OpenCV 4.6) cannot run; an export nobody has run is not offered.
  const FoldedForm form = model.folded_form();
  if (form.nonlocal_blocks > 0) fail(path, c.name + " cannot be exported to ONNX yet (TorchScript works)");
  model.eval();
  std::vector<torch::Tensor> layers;
  {
    torch::NoGradGuard no_grad;
    for (const auto& t : model.folded_layers()) layers.push_back(t.detach().to(torch::kCPU).clone().contiguous());
  }
  onnx::ModelProto m;
  m.set_ir_version(onnx::IR_VERSION);
  m.set_producer_name("hoif");
  m.set_doc_string(fmt::format("{} ({} joints): poses_2d (batch, J, 2) width-normalised -> poses_3d (batch, J, 3) "
                               "camera frame, metres, root-relative",
                               c.name, c.joints));
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* graph = m.mutable_graph();
  graph->set_name(c.name);
  add_value_info(graph->add_input(), "poses_2d", c.joints, 2);
  GraphBuilder g(*graph);
  const std::string out = build(g, form, layers, c.joints);
  g.op("Identity", {out}, "poses_3d");
  add_value_info(graph->add_output(), "poses_3d", c.joints, 3);
  try {
    onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    fail(path, std::string("the ONNX graph does not pass ONNX's checker: ") + e.what());
  }
  std::string serialised;
  if (!m.SerializeToString(&serialised)) fail(path, "the ONNX graph cannot be serialised");
  write_file_atomically(path, serialised);
}

}  // namespace hoif
