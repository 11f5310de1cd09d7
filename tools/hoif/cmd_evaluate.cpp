// hoif evaluate: Protocol 1 and 2 per action for a checkpoint; optional JSON and predictions.
#include <set>

#include <fmt/format.h>

#include "commands.h"
#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/data/h36m.h"
#include "hoif/evaluation/evaluate.h"
#include "hoif/evaluation/predictions_file.h"
#include "hoif/models/channel_product.h"
#include "hoif/training/checkpoint.h"
#include "runtime.h"

namespace hoif::cli {

namespace {

struct EvaluateFlags {
  std::string checkpoint, data, keypoints, json, export_path, device = "cpu";
  int downsample = 1, threads = 0;
  bool flip_test = false, training_weights = false, bf16 = false, training_subjects = false;
  std::vector<std::string> actions;
  CLI::App* cmd = nullptr;
};

void run(const EvaluateFlags& f) {
  check_output_paths({{"the checkpoint", f.checkpoint}, {"--data", f.data}},
                     {{"--json", f.json}, {"--export", f.export_path}});
  setup_threads(f.threads);
  const torch::Device device = parse_device(f.device);
  LoadedCheckpoint c = load_checkpoint(f.checkpoint, device);
  if (f.cmd->count("--keypoints") && f.keypoints != c.options.data.keypoints)
    fail("--keypoints", "'" + f.keypoints + "' conflicts with the checkpoint, trained on '" + c.options.data.keypoints + "'");
  const std::string data_path = f.data.empty() ? c.options.data_path : f.data;
  if (data_path.empty()) fail("--data", "is required: the checkpoint does not say where its data is");
  DatasetOptions opts = c.options.data;
  opts.downsample = f.downsample;
  opts.actions = f.actions;
  H36mData data(data_path);
  const Datasets sets = load_datasets(data, opts);
  const PoseSet& evaluated = f.training_subjects ? sets.train : sets.test;
  const std::string subjects = f.training_subjects ? "training subjects S1 S5 S6 S7 S8" : "test subjects S9 S11";
  auto is_evaluated = [&](const std::string& subject) { return is_test_subject(subject) != f.training_subjects; };
  if (evaluated.size() == 0) fail(data_path, "holds no poses of the " + subjects + " for these options");
  if (sets.test.num_joints != c.options.model.joints)
    fail(f.checkpoint, fmt::format("model takes {} joints, the data gives {}", c.options.model.joints, sets.test.num_joints));

  const auto [model, weights] = checkpoint_weights(c, f.training_weights);

  ArrayF predicted;
  const Bf16Inference precision(f.bf16);
  const EvaluationReport report = evaluate_model(model, evaluated, device, f.flip_test, &predicted);
  fmt::print("{} ({}, epoch {}, {}), keypoints '{}', {}, downsample {}{}{}\n", f.checkpoint, c.options.model.name,
             c.state.epoch, weights, opts.keypoints, subjects, opts.downsample,
             f.flip_test ? ", flip test-time averaging" : "", f.bf16 ? ", bf16 GEMMs" : "");
  std::set<std::pair<uint8_t, uint16_t>> takes;
  for (const auto& p : evaluated.info) takes.insert({p.subject, p.take});
  std::string absent;
  for (const auto& [s, t] : sets.absent)
    if (is_evaluated(s)) absent += fmt::format(" {} '{}';", s, t);
  fmt::print("evaluated {} poses from {} takes x 4 cameras{}; absent:{}\n", report.poses, takes.size(),
             f.training_subjects ? "" : "; S11 'Directions' excluded by the protocol", absent.empty() ? " none" : absent);
  fmt::print("{}", format_report(report));
  fmt::print("all evaluated poses pooled (what the originals log per epoch on the test set): P1 {:.2f} mm, P2 {:.2f} mm\n",
             report.p1_pooled, report.p2_pooled);
  std::string scales;
  for (const auto& [subject, factor] : report.scale_per_subject) scales += fmt::format(" {} x{:.4f}", subject, factor);
  fmt::print("size: P1 after scaling each prediction to fit best (N-MPJPE, pooled) {:.2f} mm; that factor's mean per "
             "subject (above 1: predicted too small):{}\n",
             report.n_p1_pooled, scales);
  if (!f.json.empty()) {
    EvaluatedRun run{f.checkpoint, c.options.model.name, opts.keypoints, c.state.epoch, c.state.poses_seen,
                     c.state.train_seconds / 60.0, opts.downsample, f.flip_test, c.options.monitor_test,
                     c.options.data.validation_subjects, weights, subjects, f.bf16, static_cast<int64_t>(takes.size()), {}};
    for (const auto& [s, t] : sets.absent)
      if (is_evaluated(s)) run.absent_takes.push_back(s + " " + t);
    write_file_atomically(f.json, report_json(report, &run) + "\n");
  }
  if (!f.export_path.empty()) write_predictions_file(f.export_path, evaluated, predicted);
}

}  // namespace

void register_evaluate(CLI::App& app) {
  auto f = std::make_shared<EvaluateFlags>();
  CLI::App* cmd = app.add_subcommand("evaluate", "Protocol 1 (MPJPE) and 2 (P-MPJPE) per action on S9 and S11");
  f->cmd = cmd;
  cmd->add_option("checkpoint", f->checkpoint, "A hoif checkpoint (.ckpt)")->required();
  cmd->add_option("--data", f->data, "Where the data is, if not where the checkpoint was trained");
  cmd->add_option("--keypoints", f->keypoints, "Must match the checkpoint's (it is taken from there)");
  cmd->add_option("--downsample", f->downsample, "Evaluate every N-th frame (the protocol uses all)")->capture_default_str();
  cmd->add_option("--actions", f->actions, "Only these actions")->delimiter(',');
  cmd->add_flag("--flip-test", f->flip_test, "Average each prediction with the lifted mirror image (test-time augmentation)");
  cmd->add_flag("--training-weights", f->training_weights,
                "Evaluate the optimizer's last weights instead of the weight average (runs with --weight-average)");
  cmd->add_flag("--training-subjects", f->training_subjects,
                "Evaluate on the training subjects (S1 S5 S6 S7 S8) instead: how well the model fits its training data");
  cmd->add_flag("--bf16", f->bf16, "Multiply in bf16 (fp32 accumulation): about twice as fast on CPUs with AVX-512 BF16");
  cmd->add_option("--json", f->json, "Write {p1, p2, per_action, poses} (mm) here");
  cmd->add_option("--export", f->export_path, "Write every prediction with its subject/action/take/camera/frame (npz)");
  cmd->add_option("--threads", f->threads, "CPU threads (0: every core)")->capture_default_str();
  cmd->add_option("--device", f->device, "cpu, cuda, cuda:N")->capture_default_str();
  cmd->callback([f] { run(*f); });
}

}  // namespace hoif::cli
