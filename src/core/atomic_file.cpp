#include "hoif/core/atomic_file.h"

#include <unistd.h>

#include <fstream>

#include "hoif/core/error.h"

namespace hoif {

namespace fs = std::filesystem;

void write_atomically(const fs::path& path, const std::function<void(const fs::path&)>& write) {
  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) fail(path.string(), "cannot create its folder: " + ec.message());
  }
  fs::path tmp = path;
  tmp += ".tmp" + std::to_string(::getpid());
  try {
    write(tmp);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) fail(path.string(), "cannot replace the file: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

void write_text_atomically(const fs::path& path, std::string_view text) {
  write_atomically(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) fail(path.string(), "cannot write the file");
  });
}

}  // namespace hoif
