#include "hoif/detection/tfjs_graph.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <torch/torch.h>

#include "hoif/core/error.h"
#include "tfjs_ops.h"

namespace hoif {

namespace fs = std::filesystem;
using torch::Tensor;

struct TfjsGraph::Impl {
  std::string where;
  std::vector<tfjs::Node> nodes;                          // in an order where inputs come first
  std::vector<std::vector<std::pair<int, int>>> inputs;   // per node: (producer node, output index)
  std::vector<Tensor> constants;                          // per node: a Const's value
  std::vector<tfjs::Kernel> kernels;                      // per node: empty for Const and Placeholder
  std::map<std::string, int> index;
  std::string input_name, output_name;
  std::vector<int64_t> input_shape;
  int64_t parameters = 0;
};

namespace {

constexpr int64_t kMaxWeightBytes = int64_t{1} << 31;  // 2 GiB: no detector comes near

std::string read_file(const fs::path& path, const std::string& where) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(where, "cannot read its weight file " + path.string());
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes;
}

std::vector<int64_t> spec_shape(const nlohmann::json& spec) {
  std::vector<int64_t> shape;
  for (const auto& d : spec.value("shape", nlohmann::json::array())) {
    const int64_t v = d.get<int64_t>();
    if (v < 0 || v > kMaxWeightBytes) throw Error(fmt::format("size {} is out of range", v));
    shape.push_back(v);
  }
  return shape;
}

// One weight of the manifest from its bytes: float32, int32, bool, or float32 stored as float16
// or as uint8/uint16 with an affine scale.
Tensor decode_weight(const nlohmann::json& spec, const char* data, int64_t available, int64_t& used) {
  const std::vector<int64_t> shape = spec_shape(spec);
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d && count > kMaxWeightBytes / d) throw Error("is too large");
    count *= d;
  }
  const std::string dtype = spec.value("dtype", "float32");
  std::string stored = dtype;
  const nlohmann::json quantization = spec.value("quantization", nlohmann::json::object());
  if (quantization.contains("dtype")) stored = quantization["dtype"].get<std::string>();
  const int64_t width = stored == "float16" || stored == "uint16" ? 2 : stored == "uint8" || stored == "bool" ? 1 : 4;
  if (stored != "float32" && stored != "int32" && stored != "float16" && stored != "uint8" && stored != "uint16" &&
      stored != "bool")
    throw Error("stored type '" + stored + "' is not supported");
  used = count * width;
  if (used > available) throw Error(fmt::format("needs {} bytes and the weight files hold {} more", used, available));
  const auto bytes = [&](torch::ScalarType type) {
    return torch::from_blob(const_cast<char*>(data), shape, type).clone();
  };
  if (stored == "float16") return bytes(torch::kHalf).to(torch::kFloat);
  if (stored == "uint8" || stored == "uint16") {
    const Tensor q = stored == "uint8" ? bytes(torch::kByte).to(torch::kFloat) : bytes(torch::kShort).to(torch::kInt).bitwise_and(0xffff).to(torch::kFloat);
    return q * quantization.value("scale", 1.0) + quantization.value("min", 0.0);
  }
  if (stored == "bool") return bytes(torch::kBool);
  if (dtype == "int32") return bytes(torch::kInt);
  if (dtype != "float32") throw Error("type '" + dtype + "' is not supported");
  return bytes(torch::kFloat);
}

std::map<std::string, Tensor> decode_weights(const nlohmann::json& manifest, const std::string& bytes) {
  std::map<std::string, Tensor> weights;
  int64_t offset = 0;
  for (const auto& group : manifest)
    for (const auto& spec : group.at("weights")) {
      const std::string name = spec.at("name").get<std::string>();
      try {
        int64_t used = 0;
        weights[name] = decode_weight(spec, bytes.data() + offset, static_cast<int64_t>(bytes.size()) - offset, used);
        offset += used;
      } catch (const Error& e) {
        throw Error("weight '" + name + "' " + e.what());
      }
    }
  if (offset != static_cast<int64_t>(bytes.size()))
    throw Error(fmt::format("the weight files hold {} bytes, the manifest describes {}", bytes.size(), offset));
  return weights;
}

std::pair<std::string, int> parse_reference(const std::string& ref) {
  const size_t colon = ref.rfind(':');
  if (colon == std::string::npos) return {ref, 0};
  return {ref.substr(0, colon), std::stoi(ref.substr(colon + 1))};
}

std::string signature_name(const nlohmann::json& signature, const char* key) {
  if (!signature.contains(key) || signature[key].empty()) return "";
  return parse_reference(signature[key].begin().key()).first;
}

tfjs::Node read_node(const nlohmann::json& j) {
  tfjs::Node n;
  n.name = j.at("name").get<std::string>();
  n.op = j.at("op").get<std::string>();
  for (const auto& i : j.value("input", nlohmann::json::array())) {
    const std::string ref = i.get<std::string>();
    if (!ref.empty() && ref[0] != '^') n.inputs.push_back(ref);  // '^' marks a control dependency
  }
  n.attr = j.value("attr", nlohmann::json::object());
  return n;
}

std::vector<int64_t> placeholder_shape(const tfjs::Node& input) {
  std::vector<int64_t> shape;
  if (input.attr.contains("shape") && input.attr["shape"].contains("shape"))
    for (const auto& d : input.attr["shape"]["shape"].value("dim", nlohmann::json::array()))
      shape.push_back(d.contains("size") ? std::stoll(d["size"].get<std::string>()) : -1);
  return shape;
}

// Orders nodes so that every node comes after its inputs; a cycle is an error.
std::vector<int> topological_order(const std::vector<std::vector<std::pair<int, int>>>& inputs) {
  std::vector<int> order, state(inputs.size(), 0);  // 0 new, 1 on the stack, 2 done
  for (int root = 0; root < static_cast<int>(inputs.size()); ++root) {
    std::vector<std::pair<int, size_t>> stack = {{root, 0}};
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == 0 && state[node] == 2) { stack.pop_back(); continue; }
      state[node] = 1;
      if (next < inputs[node].size()) {
        const int producer = inputs[node][next++].first;
        if (state[producer] == 1) throw Error("the graph has a cycle");
        if (state[producer] == 0) stack.push_back({producer, 0});
        continue;
      }
      state[node] = 2;
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

}  // namespace

TfjsGraph::TfjsGraph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TfjsGraph::TfjsGraph(TfjsGraph&&) noexcept = default;
TfjsGraph& TfjsGraph::operator=(TfjsGraph&&) noexcept = default;
TfjsGraph::~TfjsGraph() = default;

TfjsGraph TfjsGraph::load(const std::string& model_json) {
  std::ifstream in(model_json, std::ios::binary);
  if (!in) fail(model_json, "cannot read the detector model (run scripts/get_detector.sh, or give --detector-model)");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(model_json, "is not a TensorFlow.js model.json (not a JSON object)");
  std::string weights;
  for (const auto& group : j.value("weightsManifest", nlohmann::json::array()))
    for (const auto& p : group.value("paths", nlohmann::json::array())) {
      const fs::path shard = p.get<std::string>();
      if (shard.is_absolute() || shard.lexically_normal().string().starts_with(".."))
        fail(model_json, "weight path '" + shard.string() + "' leaves the model's folder");
      weights += read_file(fs::path(model_json).parent_path() / shard, model_json);
    }
  return parse(text, weights, model_json);
}

TfjsGraph TfjsGraph::parse(const std::string& json_text, const std::string& weight_bytes, const std::string& where) {
  auto g = std::make_unique<Impl>();
  g->where = where;
  try {
    const nlohmann::json j = nlohmann::json::parse(json_text);
    const auto& topology = j.at("modelTopology");
    const std::map<std::string, Tensor> weights = decode_weights(j.value("weightsManifest", nlohmann::json::array()), weight_bytes);
    std::vector<tfjs::Node> nodes;
    for (const auto& n : topology.at("node")) nodes.push_back(read_node(n));
    std::map<std::string, int> index;
    for (int i = 0; i < static_cast<int>(nodes.size()); ++i)
      if (!index.emplace(nodes[i].name, i).second) throw Error("node '" + nodes[i].name + "' appears twice");
    std::vector<std::vector<std::pair<int, int>>> inputs(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i)
      for (const std::string& ref : nodes[i].inputs) {
        const auto [name, output] = parse_reference(ref);
        if (!index.count(name)) throw Error("node '" + nodes[i].name + "' reads '" + name + "', which is not in the graph");
        if (output < 0 || output >= tfjs::output_count(nodes[index[name]]))
          throw Error("node '" + nodes[i].name + "' reads output " + std::to_string(output) + " of '" + name + "'");
        inputs[i].push_back({index[name], output});
      }
    // Renumber the nodes in execution order.
    const std::vector<int> order = topological_order(inputs);
    std::vector<int> position(nodes.size());
    for (size_t k = 0; k < order.size(); ++k) position[order[k]] = static_cast<int>(k);
    for (int old : order) {
      g->nodes.push_back(nodes[old]);
      g->inputs.push_back({});
      for (auto [producer, output] : inputs[old]) g->inputs.back().push_back({position[producer], output});
    }
    for (size_t i = 0; i < g->nodes.size(); ++i) g->index[g->nodes[i].name] = static_cast<int>(i);
    g->constants.resize(g->nodes.size());
    g->kernels.resize(g->nodes.size());
    for (size_t i = 0; i < g->nodes.size(); ++i) {
      const tfjs::Node& n = g->nodes[i];
      if (n.op == "Const") {
        const auto w = weights.find(n.name);
        if (w == weights.end()) throw Error("constant '" + n.name + "' has no weights in the manifest");
        g->constants[i] = w->second;
        if (w->second.is_floating_point()) g->parameters += w->second.numel();
      } else if (n.op == "Placeholder") {
        if (g->input_name.empty()) g->input_name = n.name;
      } else {
        std::vector<Tensor> known;
        for (auto [producer, output] : g->inputs[i]) known.push_back(g->constants[producer]);
        g->kernels[i] = tfjs::compile(n, known, where);
      }
    }
    const nlohmann::json signature = j.value("signature", nlohmann::json::object());
    if (!signature_name(signature, "inputs").empty()) g->input_name = signature_name(signature, "inputs");
    g->output_name = signature_name(signature, "outputs");
    if (g->output_name.empty() && !g->nodes.empty()) g->output_name = g->nodes.back().name;
    if ((!g->input_name.empty() && !g->index.count(g->input_name)) || !g->index.count(g->output_name))
      throw Error("the signature names an input or output that is not in the graph");
    if (!g->input_name.empty()) g->input_shape = placeholder_shape(g->nodes[g->index[g->input_name]]);
  } catch (const Error& e) {
    fail(where, e.what());
  } catch (const std::exception& e) {
    fail(where, std::string("is not a usable TensorFlow.js graph model: ") + e.what());
  }
  return TfjsGraph(std::move(g));
}

std::vector<Tensor> TfjsGraph::run(const std::map<std::string, Tensor>& feeds, const std::vector<std::string>& outputs) const {
  const Impl& g = *impl_;
  const int N = static_cast<int>(g.nodes.size());
  // The nodes the outputs need, and how many of them read each node (to free values early).
  std::vector<char> needed(N, 0);
  std::vector<int> readers(N, 0), stack;
  for (const std::string& name : outputs) {
    const auto it = g.index.find(name);
    if (it == g.index.end()) fail(g.where, "has no node '" + name + "'");
    stack.push_back(it->second);
    ++readers[it->second];  // the caller reads it
  }
  while (!stack.empty()) {
    const int n = stack.back();
    stack.pop_back();
    if (needed[n]) continue;
    needed[n] = 1;
    for (auto [producer, output] : g.inputs[n]) {
      ++readers[producer];
      stack.push_back(producer);
    }
  }
  std::vector<std::vector<Tensor>> values(N);
  for (int n = 0; n < N; ++n) {
    if (!needed[n]) continue;
    const tfjs::Node& node = g.nodes[n];
    if (node.op == "Const") {
      values[n] = {g.constants[n]};
      continue;
    }
    if (node.op == "Placeholder") {
      const auto it = feeds.find(node.name);
      if (it == feeds.end()) fail(g.where, "the input '" + node.name + "' was not given");
      values[n] = {it->second};
      continue;
    }
    std::vector<Tensor> in;
    for (auto [producer, output] : g.inputs[n]) in.push_back(values[producer].at(output));
    try {
      values[n] = g.kernels[n](in);
    } catch (const std::exception& e) {
      const std::string what = e.what();
      fail(g.where, fmt::format("node '{}' ({}): {}", node.name, node.op, what.substr(0, what.find('\n'))));
    }
    for (auto [producer, output] : g.inputs[n])
      if (--readers[producer] == 0) values[producer].clear();
  }
  std::vector<Tensor> result;
  for (const std::string& name : outputs) result.push_back(values[g.index.at(name)].at(0));
  return result;
}

const std::string& TfjsGraph::input_name() const { return impl_->input_name; }
const std::string& TfjsGraph::output_name() const { return impl_->output_name; }
const std::vector<int64_t>& TfjsGraph::input_shape() const { return impl_->input_shape; }
int64_t TfjsGraph::parameter_count() const { return impl_->parameters; }

}  // namespace hoif
