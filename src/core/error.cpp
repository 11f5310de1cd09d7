#include "hoif/core/error.h"

namespace hoif {

void fail(const std::string& where, const std::string& problem) {
  throw Error(where.empty() ? problem : where + ": " + problem);
}

}  // namespace hoif
