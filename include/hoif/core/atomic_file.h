#pragma once
// Never half-write a user's file: write next to the target, then rename over it.
#include <filesystem>
#include <functional>
#include <string_view>

namespace hoif {

// Calls write(tmp_path) and renames tmp_path to path; on any failure the temporary is removed
// and path is left as it was.
void write_atomically(const std::filesystem::path& path,
                      const std::function<void(const std::filesystem::path&)>& write);

void write_text_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace hoif
