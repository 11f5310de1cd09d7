#include "hoif/models/lifter.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "hoif/core/error.h"
#include "hoif/models/high_order.h"
#include "hoif/models/martinez.h"
#include "hoif/models/semgcn.h"

namespace hoif {

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = {"martinez", "semgcn", "semgcn-nonlocal", "hgcn", "hoif"};
  return names;
}

ModelConfig ModelConfig::resolved() const {
  const auto& names = model_names();
  if (std::find(names.begin(), names.end(), name) == names.end())
    fail("--model", "unknown model '" + name + "' (choose martinez, semgcn, semgcn-nonlocal, hgcn or hoif)");
  if (joints != 16 && joints != 17) fail("--model", "models take 16 or 17 joints, not " + std::to_string(joints));
  ModelConfig c = *this;
  struct Defaults {
    const char* name;
    int hid, layers;
    double dropout;
  };
  static constexpr Defaults defaults[] = {
      {"martinez", 1024, 2, 0.5}, {"semgcn", 128, 4, 0.0}, {"semgcn-nonlocal", 128, 4, 0.0}, {"hgcn", 96, 4, 0.0}, {"hoif", 64, 8, 0.0}};
  for (const auto& d : defaults)
    if (name == d.name) {
      if (c.hid_dim <= 0) c.hid_dim = d.hid;
      if (c.num_layers <= 0) c.num_layers = d.layers;
      if (c.dropout < 0) c.dropout = d.dropout;
    }
  if (c.dropout >= 1.0) fail("--dropout", "must be below 1");
  if (hid_dim < 0) fail("--hid-dim", "must be positive (0: the model's default)");
  if (num_layers < 0) fail("--num-layers", "must be positive (0: the model's default)");
  if (c.weight_bytes_bound() > kMaxModelBytes)
    fail("--hid-dim/--num-layers", fmt::format("a {} of width {} and {} layers could need {:.3g} GB of weights; hoif builds "
                                               "models up to {:.3g} GB",
                                               name, c.hid_dim, c.num_layers, c.weight_bytes_bound() / 1e9, kMaxModelBytes / 1e9));
  if (name == "semgcn-nonlocal" && c.hid_dim % 2) fail("--hid-dim", "semgcn-nonlocal needs an even width");
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

int64_t PoseLifter::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

std::shared_ptr<PoseLifter> make_lifter(const ModelConfig& config) {
  const ModelConfig c = config.resolved();
  if (c.name == "martinez") return std::make_shared<MartinezModel>(c);
  if (c.name == "semgcn" || c.name == "semgcn-nonlocal") return std::make_shared<SemGcnModel>(c);
  if (c.name == "hgcn") return std::make_shared<HgcnModel>(c);
  return std::make_shared<HoifNetModel>(c);
}

}  // namespace hoif
