#include "hoif/core/output_paths.h"

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "hoif/core/error.h"

namespace hoif {

namespace fs = std::filesystem;

namespace {

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec) && !ec;
}

// The folder the output will be written in, or its nearest existing ancestor (created on writing).
fs::path existing_folder(const NamedPath& out) {
  fs::path dir = out.folder ? fs::path(out.path) : fs::path(out.path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  while (!fs::exists(dir, ec)) {
    if (!dir.has_parent_path() || dir == dir.parent_path()) return ".";  // a relative path: the working folder
    dir = dir.parent_path();
  }
  return dir;
}

void check_writable(const NamedPath& out) {
  std::error_code ec;
  if (!out.folder && fs::is_directory(out.path, ec)) fail(out.flag, fmt::format("'{}' is a folder; give a file name", out.path));
  if (out.folder && fs::exists(out.path, ec) && !fs::is_directory(out.path, ec))
    fail(out.flag, fmt::format("'{}' is a file; give a folder", out.path));
  const fs::path dir = existing_folder(out);
  if (!fs::is_directory(dir, ec)) fail(out.flag, fmt::format("'{}' cannot be written: '{}' is not a folder", out.path, dir.string()));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    fail(out.flag, fmt::format("'{}' cannot be written: no permission to write in '{}'", out.path, dir.string()));
}

}  // namespace

void check_output_paths(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const NamedPath& out = outputs[i];
    if (out.path.empty()) continue;
    for (const NamedPath& in : inputs)
      if (!in.path.empty() && same_file(in.path, out.path))
        fail(out.flag, fmt::format("'{}' is the same file as {} '{}'; refusing to overwrite an input", out.path, in.flag,
                                   in.path));
    for (size_t j = 0; j < i; ++j)
      if (!outputs[j].path.empty() &&
          (fs::path(outputs[j].path).lexically_normal() == fs::path(out.path).lexically_normal() ||
           same_file(outputs[j].path, out.path)))
        fail(out.flag, fmt::format("'{}' is also given to {}; each output needs its own file", out.path, outputs[j].flag));
    check_writable(out);
  }
}

}  // namespace hoif
