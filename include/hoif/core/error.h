#pragma once
// One exception type for everything a user can get wrong: bad files, bad shapes, bad names.
// The message is a single line that names the file (or option) and the problem, so the CLI
// can print it as is and exit non-zero.
#include <stdexcept>
#include <string>

namespace hoif {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// "<where>: <problem>", the format of every user-facing error.
[[noreturn]] void fail(const std::string& where, const std::string& problem);

}  // namespace hoif
