#pragma once
// Checked before any work, so that no user file is lost and no long run ends in "cannot write":
// an output may not be one of the inputs (also through symlinks and hard links) nor another
// output, may not be a folder where a file is meant, and its folder must be writable.
#include <string>
#include <vector>

namespace hoif {

struct NamedPath {
  std::string flag;  // how the user named it, for the message: "--json", "the checkpoint"
  std::string path;  // empty: not given, skipped
  bool folder = false;  // an output that is a folder (PNG frames, prepared data)
};

void check_output_paths(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs);

}  // namespace hoif
