// hoif: single-frame 2D-to-3D human pose lifting. A thin command line over libhoif.
#include <csignal>
#include <cstdio>
#include <algorithm>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include "commands.h"
#include "runtime.h"
#include "hoif/core/error.h"

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      diagonal = std::exchange(row[j], std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])}));
  }
  return row[b.size()];
}

// A mistyped option is named, with the nearest real one, before CLI11 would report only what it
// then finds missing ("--model is required" for "--modle").
void reject_unknown_options(const CLI::App& app, int argc, char** argv) {
  if (argc < 2) return;
  const CLI::App* command = nullptr;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->get_name() == argv[1]) command = sub;
  if (!command) return;
  for (const CLI::App* sub : command->get_subcommands([](const CLI::App*) { return true; }))
    if (argc > 2 && sub->get_name() == argv[2]) command = sub;
  std::vector<std::string> known;
  for (const CLI::Option* o : command->get_options())
    for (const std::string& name : o->get_lnames()) known.push_back("--" + name);
  for (int i = 2; i < argc; ++i) {
    const std::string word = std::string(argv[i]).substr(0, std::string(argv[i]).find('='));
    if (word == "--") return;  // positional arguments follow
    if (word.rfind("--", 0) != 0 || std::find(known.begin(), known.end(), word) != known.end()) continue;
    std::string nearest;
    for (const auto& k : known)
      if (edit_distance(word, k) <= 2 && (nearest.empty() || edit_distance(word, k) < edit_distance(word, nearest))) nearest = k;
    std::fprintf(stderr, "hoif: error: %s: unknown option '%s'%s\n", command->get_name().c_str(), word.c_str(),
                 nearest.empty() ? "" : (" (did you mean " + nearest + "?)").c_str());
    std::exit(2);
  }
}

}  // namespace

int main(int argc, char** argv) {
  hoif::cli::route_interrupts_to_a_thread();
  hoif::cli::set_program_arguments(argc, argv);
  // Past a file size limit (ulimit -f) a write fails with EFBIG, reported and cleaned up like a
  // full disk, instead of the signal ending the program with a temporary file left behind.
  std::signal(SIGXFSZ, SIG_IGN);
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
  hoif::cli::register_detect(app);
  hoif::cli::register_lift(app);
  hoif::cli::register_export(app);
  hoif::cli::register_export_motion(app);
  reject_unknown_options(app, argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "hoif: error: %s (hoif %s --help lists the options)\n", e.what(), argc > 1 ? argv[1] : "");
    return 2;
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
