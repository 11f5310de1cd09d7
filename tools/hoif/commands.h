#pragma once
// Each subcommand registers its options and its action on the top-level app.
#include <CLI/CLI.hpp>

namespace hoif::cli {

// Ends the program with this status after a clean stop (130: interrupted by Ctrl-C).
struct ExitCode {
  int code;
};

void register_prepare_data(CLI::App& app);
void register_data(CLI::App& app);
void register_train(CLI::App& app);
void register_evaluate(CLI::App& app);
void register_info(CLI::App& app);
void register_import_weights(CLI::App& app);
void register_bench(CLI::App& app);
void register_viz(CLI::App& app);
void register_plot(CLI::App& app);
void register_detect(CLI::App& app);
void register_lift(CLI::App& app);
void register_export(CLI::App& app);
void register_export_motion(CLI::App& app);

}  // namespace hoif::cli
