#include "hoif/models/state_dict.h"

#include <set>

#include <torch/torch.h>

#include "hoif/core/error.h"
#include "hoif/io/npz.h"
#include "hoif/models/registry.h"

namespace hoif {

StateDict read_state_dict_npz(const std::string& path, const std::vector<std::string>& prefixes) {
  NpzReader npz(path);
  StateDict out;
  for (const auto& key : npz.keys()) {
    std::string name;
    for (const auto& p : prefixes)
      if (!p.empty() && key.rfind(p, 0) == 0) name = key.substr(p.size());
    if (name.empty()) {
      if (std::find(prefixes.begin(), prefixes.end(), "") == prefixes.end() || key.find('/') != std::string::npos) continue;
      name = key;
    }
    const NdArray a = npz.array(key);
    std::vector<int64_t> shape = a.shape;
    if (a.dtype == DType::i8 || a.dtype == DType::i4) {
      const auto v = a.to_int64(path + ":" + key);
      out[name] = torch::tensor(v, torch::kLong).view(shape);
    } else {
      ArrayF f = a.to_float(path + ":" + key);
      out[name] = torch::from_blob(f.values.data(), shape, torch::kFloat).clone();
    }
  }
  return out;
}

std::string original_name(const ModelConfig& config, const std::string& name) {
  const ModelConfig c = config.resolved();
  return model_spec(c.name).original_name(c, name);
}

ImportReport import_state_dict(LiftingNetwork& model, const StateDict& state, const std::string& where) {
  ImportReport report;
  std::set<std::string> used;
  torch::NoGradGuard no_grad;
  auto copy = [&](const std::string& name, torch::Tensor& target) {
    const std::string original = original_name(model.config(), name);
    auto it = state.find(original);
    if (it == state.end()) fail(where, "has no '" + original + "' (needed for " + model.config().name + ")");
    if (it->second.sizes() != target.sizes()) {
      std::ostringstream msg;
      msg << "'" << original << "' has shape " << it->second.sizes() << ", the model needs " << target.sizes();
      fail(where, msg.str());
    }
    target.copy_(it->second.to(target.dtype()));
    used.insert(original);
    ++report.loaded;
  };
  for (auto& p : model.named_parameters()) copy(p.key(), p.value());
  for (auto& b : model.named_buffers()) copy(b.key(), b.value());
  for (const auto& [name, tensor] : state)
    if (!used.count(name)) report.unused.push_back(name);
  return report;
}

}  // namespace hoif
