// hoif plot: training curves from runs' log.csv, and per-action / per-joint error bars from
// evaluation JSON files, as PNG.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/training/training_log.h"
#include "hoif/visualization/plot.h"

namespace hoif::cli {

namespace fs = std::filesystem;

namespace {

struct PlotFlags {
  std::vector<std::string> runs, evaluations, labels;
  std::string output, per_action, per_joint, x_axis = "poses";
  bool log_y = false;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot be read");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Plots are written as PNG only: a .jpg name would get PNG bytes.
void check_png_output(const std::string& flag, const std::string& path) {
  if (fs::path(path).extension() != ".png") fail(flag, fmt::format("'{}': plots are PNG files; name it .png", path));
}

std::string label_for(const PlotFlags& f, size_t i, const std::string& path) {
  if (i < f.labels.size()) return f.labels[i];
  const fs::path p(path);
  return fs::is_directory(p) ? fs::absolute(p).lexically_normal().filename().string() : p.stem().string();
}

// Test P1 against poses seen (or epochs) for each run's log.csv.
void plot_curves(const PlotFlags& f) {
  if (f.output.empty()) fail("--output", "is required");
  if (f.x_axis != "poses" && f.x_axis != "epochs") fail("--x", "must be poses or epochs");
  std::vector<fs::path> logs;
  std::vector<NamedPath> inputs;
  for (const auto& run : f.runs) {
    logs.push_back(fs::is_directory(run) ? fs::path(run) / "log.csv" : fs::path(run));
    inputs.push_back({"the run log", logs.back().string()});
  }
  check_png_output("--output", f.output);
  check_output_paths(inputs, {{"--output", f.output}});
  std::vector<PlotSeries> series;
  for (size_t i = 0; i < f.runs.size(); ++i) {
    const fs::path& log = logs[i];
    PlotSeries s{label_for(f, i, f.runs[i]), {}, {}};
    for (const EpochRecord& r : read_training_log(log.string())) {
      if (!std::isfinite(r.p1)) continue;
      s.x.push_back(f.x_axis == "poses" ? static_cast<double>(r.poses_seen) / 1e6 : r.epoch);
      s.y.push_back(r.p1);
    }
    if (s.x.empty()) fail(log.string(), "has no per-epoch error to plot (the run evaluated nothing after its epochs)");
    series.push_back(std::move(s));
  }
  write_line_plot(f.output,
                  {"Test error (Protocol 1) during training", f.x_axis == "poses" ? "poses seen (millions)" : "epoch",
                   "P1 (mm)", f.log_y, f.x_axis == "epochs"},
                  series);
  fmt::print("{}: {} run(s)\n", f.output, series.size());
}

// Per-action P1 and P2 (one file) and per-joint P1 bars, several evaluations side by side.
void plot_errors(const PlotFlags& f) {
  if (f.per_action.empty() && f.per_joint.empty()) fail("plot errors", "give --per-action FILE.png and/or --per-joint FILE.png");
  if (!f.per_action.empty()) check_png_output("--per-action", f.per_action);
  if (!f.per_joint.empty()) check_png_output("--per-joint", f.per_joint);
  std::vector<NamedPath> inputs;
  for (const auto& e : f.evaluations) inputs.push_back({"the evaluation", e});
  check_output_paths(inputs, {{"--per-action", f.per_action}, {"--per-joint", f.per_joint}});
  std::vector<nlohmann::ordered_json> reports;
  for (const auto& path : f.evaluations) {
    try {
      reports.push_back(nlohmann::ordered_json::parse(read_file(path)));
      if (!reports.back().contains("per_action")) throw std::invalid_argument("no per_action");
    } catch (const std::exception&) {
      fail(path, "is not an evaluation JSON (write one with `hoif evaluate CKPT --json FILE`)");
    }
  }
  if (!f.per_action.empty()) {
    std::vector<std::string> actions;
    for (const auto& [name, _] : reports[0]["per_action"].items()) actions.push_back(name);
    actions.push_back("Average");
    std::vector<PlotSeries> series;
    for (size_t i = 0; i < reports.size(); ++i)
      for (const char* protocol : {"p1", "p2"}) {
        PlotSeries s{fmt::format("{} {}", label_for(f, i, f.evaluations[i]), protocol[1] == '1' ? "P1" : "P2"), {}, {}};
        for (const auto& a : actions) {
          const auto& r = reports[i];
          const bool has = a == "Average" || r["per_action"].contains(a);
          s.y.push_back(!has ? NAN : a == "Average" ? r[protocol].get<double>() : r["per_action"][a][protocol].get<double>());
        }
        series.push_back(std::move(s));
      }
    write_bar_chart(f.per_action, {"Error per action", "", "mm"}, actions, series);
    fmt::print("{}: {} actions\n", f.per_action, actions.size() - 1);
  }
  if (!f.per_joint.empty()) {
    if (!reports[0].contains("per_joint")) fail(f.evaluations[0], "has no per_joint errors (evaluate again with this hoif)");
    std::vector<std::string> joints;
    for (const auto& [name, _] : reports[0]["per_joint"].items()) joints.push_back(name);
    std::vector<PlotSeries> series;
    for (size_t i = 0; i < reports.size(); ++i) {
      PlotSeries s{label_for(f, i, f.evaluations[i]) + " P1", {}, {}};
      for (const auto& j : joints)
        s.y.push_back(reports[i].contains("per_joint") && reports[i]["per_joint"].contains(j)
                          ? reports[i]["per_joint"][j].get<double>()
                          : NAN);
      series.push_back(std::move(s));
    }
    write_bar_chart(f.per_joint, {"Error per joint (Protocol 1)", "", "mm"}, joints, series);
    fmt::print("{}: {} joints\n", f.per_joint, joints.size());
  }
}

}  // namespace

void register_plot(CLI::App& app) {
  auto f = std::make_shared<PlotFlags>();
  CLI::App* cmd = app.add_subcommand("plot", "Training curves and error bar charts as PNG");
  cmd->require_subcommand(1);
  CLI::App* curves = cmd->add_subcommand("curves", "Test P1 during training, from runs' log.csv");
  curves->add_option("runs", f->runs, "Checkpoint folders (or their log.csv)")->required();
  curves->add_option("--output", f->output, "The PNG to write")->required();
  curves->add_option("--x", f->x_axis, "poses or epochs")->capture_default_str();
  curves->add_option("--labels", f->labels, "Legend labels, one per run (default: folder names)");
  curves->add_flag("--log-y", f->log_y, "Logarithmic P1 axis (keeps runs near 40 mm apart when others start far above)");
  curves->callback([f] { plot_curves(*f); });
  CLI::App* errors = cmd->add_subcommand("errors", "Per-action and per-joint errors from `hoif evaluate --json` files");
  errors->add_option("evaluations", f->evaluations, "Evaluation JSON files")->required();
  errors->add_option("--per-action", f->per_action, "PNG of P1 and P2 per action");
  errors->add_option("--per-joint", f->per_joint, "PNG of P1 per joint");
  errors->add_option("--labels", f->labels, "Legend labels, one per file (default: file names)");
  errors->callback([f] { plot_errors(*f); });
}

}  // namespace hoif::cli
