// hoif: single-frame 2D-to-3D human pose lifting. A thin command line over libhoif.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include "commands.h"
#include "runtime.h"
#include "hoif/core/error.h"

int main(int argc, char** argv) {
  hoif::cli::route_interrupts_to_a_thread();
  CLI::App app{"hoif: 2D-to-3D human pose lifting on Human3.6M (Martinez, SemGCN, HGCN, HOIF-Net)", "hoif"};
  app.set_version_flag("--version", std::string("hoif ") + HOIF_VERSION);
  app.require_subcommand(1);
  hoif::cli::register_prepare_data(app);
  hoif::cli::register_data(app);
  hoif::cli::register_train(app);
  hoif::cli::register_evaluate(app);
  hoif::cli::register_info(app);
  hoif::cli::register_import_weights(app);
  hoif::cli::register_bench(app);
  hoif::cli::register_viz(app);
  hoif::cli::register_plot(app);
  hoif::cli::register_lift(app);
  hoif::cli::register_export(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const hoif::cli::ExitCode& e) {
    return e.code;
  } catch (const hoif::Error& e) {
    std::fprintf(stderr, "hoif: error: %s\n", e.what());
    return 1;
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "hoif: error: %s\n", e.what_without_backtrace());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "hoif: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hoif: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
