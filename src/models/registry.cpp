#include "hoif/models/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hoif/core/error.h"
#include "hoif/models/high_order.h"
#include "hoif/models/martinez.h"
#include "hoif/models/semgcn.h"

namespace hoif {

namespace {

template <class Model>
std::shared_ptr<LiftingNetwork> make(const ModelConfig& c) {
  return std::make_shared<Model>(c);
}

std::shared_ptr<LiftingNetwork> make_semgcn_nonlocal(const ModelConfig& c) {
  return std::make_shared<SemGcnModel>(c, /*with_nonlocal=*/true);
}

std::string same_name(const ModelConfig&, const std::string& name) { return name; }

}  // namespace

const std::vector<ModelSpec>& model_specs() {
  // name, hid_dim, num_layers, dropout, width multiple, {batch, epochs, lr gamma}, build, original names
  static const std::vector<ModelSpec> specs = {
      {"martinez", 1024, 2, 0.5, 1, {64, 200, 0.96}, make<MartinezModel>, same_name},
      {"semgcn", 128, 4, 0.0, 1, {64, 50, 0.96}, make<SemGcnModel>, same_name},
      {"semgcn-nonlocal", 128, 4, 0.0, 2, {64, 30, 0.96}, make_semgcn_nonlocal, semgcn_nonlocal_original_name},
      {"hgcn", 96, 4, 0.0, 1, {256, 50, 0.80}, make<HgcnModel>, hgcn_original_name},
      {"hoif", 64, 8, 0.0, 1, {256, 50, 0.80}, make<HoifNetModel>, hoif_original_name},
  };
  return specs;
}

const ModelSpec& model_spec(const std::string& name, const std::string& where) {
  for (const auto& s : model_specs())
    if (s.name == name) return s;
  fail(where, fmt::format("unknown model '{}' (choose {})", name, fmt::join(model_names(), ", ")));
}

}  // namespace hoif
