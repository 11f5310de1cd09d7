#include "hoif/inference/checkpoint_file.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <torch/serialize.h>
#include <torch/torch.h>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/io/pickle.h"
#include "hoif/io/zip.h"

namespace hoif {

namespace {

constexpr const char* kFormat = "hoif checkpoint 1";

torch::Tensor text_tensor(const std::string& s) {
  torch::Tensor t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr(), s.data(), s.size());
  return t;
}

std::string tensor_text(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous().to(torch::kCPU);
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

// LibTorch's messages run over several lines (a parser's context, a backtrace) and may quote the
// damaged bytes: the first line, printable characters only.
std::string first_line(const std::string& what) {
  std::string line = what.substr(0, what.find('\n'));
  std::replace_if(line.begin(), line.end(), [](char c) { return c < 0x20 || c > 0x7e; }, '?');
  while (!line.empty() && (line.back() == ':' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) fail(path, "cannot be read");
  std::string bytes(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) fail(path, "cannot be read");
  return bytes;
}

// A checkpoint's code/*.py entries declare the classes of LibTorch's archive modules, and
// LibTorch's TorchScript parser crashes on some malformed declarations (found by the checkpoint
// fuzzer). What LibTorch 1.13 writes for hoif's archives has only these line shapes; anything
// else is refused before the parser sees it.
void check_archive_code(const std::vector<uint8_t>& code, const std::string& where) {
  static const std::string type = R"((Tensor|int|float|bool|str|Tuple\[float, float\]|__torch__(\.___torch_mangle_[0-9]+)?\.Module))";
  static const std::string names = R"(\[("[A-Za-z0-9_./]+", )*\])";
  static const std::regex line("class Module\\(Module\\):|  __parameters__ = " + names + "|  __buffers__ = " + names +
                               "|  __annotations__ = \\[\\]|  __annotations__\\[\"[A-Za-z0-9_./]+\"\\] = " + type +
                               "|  [A-Za-z_][A-Za-z0-9_]* : " + type + "|");
  const std::string text(code.begin(), code.end());
  size_t from = 0;
  while (from < text.size()) {
    const size_t to = std::min(text.find('\n', from), text.size());
    if (!std::regex_match(text.begin() + static_cast<std::ptrdiff_t>(from), text.begin() + static_cast<std::ptrdiff_t>(to), line))
      fail(where, "corrupt: its archive code is not what hoif writes");
    from = to + 1;
  }
}

// LibTorch's reader does not check the zip's CRCs (a flipped byte in a tensor would load as a
// different weight), and on some forged zips (forged end records, two entries of one name) it
// reads other entries than libzip. So every entry is read through libzip, which checks the CRCs; each
// pickle's lengths and the archive code are checked, as LibTorch trusts them; and LibTorch is
// given a zip rebuilt from exactly these checked entries.
std::string checked_archive(const std::string& bytes, const std::string& path) {
  std::unique_ptr<ZipReader> zip;
  try {
    zip = std::make_unique<ZipReader>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
  } catch (const Error&) {
    fail(path, "not a hoif checkpoint (truncated, corrupt or another format)");
  }
  // Forged end records can make libzip see no entries where LibTorch's reader sees some.
  if (zip->entries().empty()) fail(path, "not a hoif checkpoint (a zip without entries)");
  ZipEntries entries;
  for (const auto& entry : zip->entries()) {
    std::vector<uint8_t> content;
    try {
      content = zip->read(entry);
    } catch (const Error&) {
      fail(path, "corrupt: its entry '" + entry + "' fails its checksum or is cut short");
    }
    if (entry.ends_with("pkl")) py::check_pickle_lengths(content, path);  // data.pkl, *.debug_pkl
    if (entry.ends_with(".py")) check_archive_code(content, path);
    entries.emplace_back(entry, std::move(content));
  }
  return zip_in_memory(entries, path);
}

// Strict loading: LibTorch's Module::load takes any tensor shape and ignores tensors the module
// lacks, so a checkpoint whose stored options disagree with its weights would load and lift garbage.
void check_stored_tensors(torch::serialize::InputArchive& stored, const torch::nn::Module& module,
                          const std::string& prefix, const std::string& path) {
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : module.named_parameters(false)) tensors[p.key()] = p.value();
  for (const auto& b : module.named_buffers(false)) tensors[b.key()] = b.value();
  std::map<std::string, std::shared_ptr<torch::nn::Module>> children;
  for (const auto& m : module.named_children()) children[m.key()] = m.value();
  const std::string disagree = "; the options stored with the weights disagree with them";
  for (const auto& key : stored.keys())
    if (key != "training" && !tensors.count(key) && !children.count(key))
      fail(path, "holds '" + prefix + key + "', which the stored model does not have" + disagree);
  for (const auto& [name, expected] : tensors) {
    c10::IValue value;
    if (!stored.try_read(name, value) || !value.isTensor()) fail(path, "lacks the weight '" + prefix + name + "'" + disagree);
    if (value.toTensor().sizes() != expected.sizes())
      fail(path, fmt::format("weight '{}{}' has shape {} where the model has {}{}", prefix, name,
                             fmt::join(value.toTensor().sizes(), "x"), fmt::join(expected.sizes(), "x"), disagree));
  }
  for (const auto& [name, child] : children) {
    torch::serialize::InputArchive sub;
    if (!stored.try_read(name, sub)) fail(path, "lacks the layer '" + prefix + name + "'" + disagree);
    check_stored_tensors(sub, *child, prefix + name + ".", path);
  }
}

// The model to build before its weights are read: the "model" entry of the stored options.
ModelConfig model_config(const std::string& options_json, const std::string& path) {
  try {
    return ModelConfig::from_json(nlohmann::json::parse(options_json).at("model").dump(), path);
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("bad training configuration (") + e.what() + ")");
  }
}

CheckpointFile parse_checkpoint(const std::string& bytes, const std::string& path, const torch::Device& device) {
  const std::string checked = checked_archive(bytes, path);
  CheckpointFile c;
  c.path = path;
  c.archive = std::make_shared<torch::serialize::InputArchive>();
  try {
    c.archive->load_from(checked.data(), checked.size());
  } catch (const c10::Error&) {
    fail(path, "not a hoif checkpoint (truncated, corrupt or another format)");
  }
  torch::Tensor format, options, state;
  if (!c.archive->try_read("format", format) || tensor_text(format) != kFormat)
    fail(path, "not a hoif checkpoint (no format tag)");
  if (!c.archive->try_read("options", options) || !c.archive->try_read("state", state))
    fail(path, "checkpoint lacks its configuration");
  c.options_json = tensor_text(options);
  c.state_json = tensor_text(state);
  const ModelConfig config = model_config(c.options_json, path);
  auto read_model = [&](const char* key) -> std::shared_ptr<LiftingNetwork> {
    torch::serialize::InputArchive model_archive;
    if (!c.archive->try_read(key, model_archive)) return nullptr;
    auto model = make_network(config);
    check_stored_tensors(model_archive, *model, std::string(key) + ".", path);
    try {
      model->load(model_archive);
    } catch (const c10::Error&) {
      fail(path, "model weights do not match the configuration stored with them");
    }
    require_finite_weights(*model, path);
    model->to(device);
    return model;
  };
  c.model = read_model("model");
  if (!c.model) fail(path, "checkpoint holds no model weights");
  c.training_model = read_model("training_model");
  return c;
}

}  // namespace

void write_checkpoint_file(const std::string& path, const std::string& options_json, const std::string& state_json,
                           LiftingNetwork& model, LiftingNetwork* training_model, torch::optim::Optimizer* optimizer) {
  torch::serialize::OutputArchive archive;
  archive.write("format", text_tensor(kFormat));
  archive.write("options", text_tensor(options_json));
  archive.write("state", text_tensor(state_json));
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (training_model) {
    torch::serialize::OutputArchive training_archive;
    training_model->save(training_archive);
    archive.write("training_model", training_archive);
  }
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  archive.write("rng", at::detail::getDefaultCPUGenerator().get_state());
  // In memory first: LibTorch's file writer throws from a destructor on a short write (a full
  // disk), which ends the program; checked I/O gives one error and leaves the old file intact.
  std::string bytes;
  archive.save_to([&](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  write_file_atomically(path, bytes);
}

CheckpointFile read_checkpoint_bytes(const std::string& bytes, const std::string& name, const torch::Device& device) {
  try {
    return parse_checkpoint(bytes, name, device);
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    fail(name, "corrupt checkpoint (" + first_line(e.what_without_backtrace()) + ")");
  } catch (const std::exception& e) {  // TorchScript's parser reports a damaged pickle so
    fail(name, "corrupt checkpoint (" + first_line(e.what()) + ")");
  }
}

std::string read_checkpoint_file_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    fail(path, "is a folder; give a checkpoint file in it, such as " + (std::filesystem::path(path) / "last.ckpt").string());
  if (!std::filesystem::exists(path, ec)) fail(path, "no such file");
  return read_whole_file(path);
}

CheckpointFile read_checkpoint_file(const std::string& path, const torch::Device& device) {
  return read_checkpoint_bytes(read_checkpoint_file_bytes(path), path, device);
}

}  // namespace hoif
