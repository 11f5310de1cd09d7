#pragma once
// Each subcommand registers its options and its action on the top-level app.
#include <CLI/CLI.hpp>

namespace hoif::cli {

void register_prepare_data(CLI::App& app);
void register_data(CLI::App& app);

}  // namespace hoif::cli
