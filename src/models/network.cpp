#include "hoif/models/network.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "hoif/core/error.h"
#include "hoif/models/registry.h"

namespace hoif {

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& s : model_specs()) n.push_back(s.name);
    return n;
  }();
  return names;
}

ModelConfig ModelConfig::resolved() const {
  const ModelSpec& spec = model_spec(name);
  if (joints != 16 && joints != 17) fail("--model", "models take 16 or 17 joints, not " + std::to_string(joints));
  ModelConfig c = *this;
  if (c.hid_dim <= 0) c.hid_dim = spec.hid_dim;
  if (c.num_layers <= 0) c.num_layers = spec.num_layers;
  if (c.dropout < 0) c.dropout = spec.dropout;
  if (c.dropout >= 1.0) fail("--dropout", "must be below 1");
  if (hid_dim < 0) fail("--hid-dim", "must be positive (0: the model's default)");
  if (num_layers < 0) fail("--num-layers", "must be positive (0: the model's default)");
  if (c.weight_bytes_bound() > kMaxModelBytes)
    fail("--hid-dim/--num-layers", fmt::format("a {} of width {} and {} layers could need {:.3g} GB of weights; hoif builds "
                                               "models up to {:.3g} GB",
                                               name, c.hid_dim, c.num_layers, c.weight_bytes_bound() / 1e9, kMaxModelBytes / 1e9));
  if (c.hid_dim % spec.width_multiple)
    fail("--hid-dim", fmt::format("{} needs a width that is a multiple of {}", name, spec.width_multiple));
  return c;
}

std::string ModelConfig::to_json() const {
  return nlohmann::ordered_json{{"name", name}, {"joints", joints}, {"hid_dim", hid_dim}, {"num_layers", num_layers}, {"dropout", dropout}}
      .dump();
}

ModelConfig ModelConfig::from_json(const std::string& text, const std::string& where) {
  try {
    const auto j = nlohmann::json::parse(text);
    ModelConfig c;
    c.name = j.at("name").get<std::string>();
    c.joints = j.at("joints").get<int>();
    c.hid_dim = j.at("hid_dim").get<int>();
    c.num_layers = j.at("num_layers").get<int>();
    c.dropout = j.at("dropout").get<double>();
    return c;
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("bad model configuration (") + e.what() + ")");
  }
}

double ModelConfig::weight_bytes_bound() const {
  const double width = std::max(hid_dim, 64);
  return 4.0 * 64 * (static_cast<double>(num_layers) + 2) * width * width;
}

void require_finite_weights(const torch::nn::Module& model, const std::string& where) {
  auto check = [&](const std::string& name, const torch::Tensor& t) {
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
      fail(where, "weight '" + name + "' holds NaN or infinite values (a damaged file or a diverged run)");
  };
  for (const auto& p : model.named_parameters()) check(p.key(), p.value());
  for (const auto& b : model.named_buffers()) check(b.key(), b.value());
}

int64_t LiftingNetwork::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

std::shared_ptr<LiftingNetwork> make_network(const ModelConfig& config) {
  const ModelConfig c = config.resolved();
  return model_spec(c.name).make(c);
}

}  // namespace hoif
