// hoif evaluate: Protocol 1 and 2 per action for a checkpoint; optional JSON and predictions.
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/data/h36m.h"
#include "hoif/evaluation/evaluate.h"
#include "hoif/geometry/skeleton.h"
#include "hoif/models/precision.h"
#include "hoif/io/npz.h"
#include "hoif/training/checkpoint.h"
#include "runtime.h"

namespace hoif::cli {

namespace {

struct EvaluateFlags {
  std::string checkpoint, data, keypoints, json, export_path, device = "cpu";
  int stride = 1, threads = 0;
  bool flip_test = false, training_weights = false, bf16 = false, training_subjects = false;
  std::vector<std::string> actions;
  CLI::App* cmd = nullptr;
};

// Predictions with everything needed to recompute the metrics (see docs/DATA.md).
void export_predictions(const std::string& path, const PoseSet& set, const ArrayF& predicted, const Mocap& mocap) {
  const int64_t n = set.size();
  Array<int64_t> subject({n}), action({n}), take({n}), camera({n}), frame({n});
  for (int64_t i = 0; i < n; ++i) {
    const PoseInfo& p = set.info[static_cast<size_t>(i)];
    subject.values[static_cast<size_t>(i)] = p.subject;
    action.values[static_cast<size_t>(i)] = p.action;
    take.values[static_cast<size_t>(i)] = p.take;
    camera.values[static_cast<size_t>(i)] = p.camera;
    frame.values[static_cast<size_t>(i)] = p.frame;
  }
  std::vector<std::string> cameras(kH36mCameraIds.begin(), kH36mCameraIds.end());
  // Per subject and camera: the world-to-camera rotation and the image size, for `hoif viz`.
  const auto S = static_cast<int64_t>(set.subjects.size());
  ArrayF rotation({S, 4, 3, 3});
  Array<int64_t> image_size({S, 4, 2});
  for (int64_t s = 0; s < S; ++s)
    for (int64_t c = 0; c < 4; ++c) {
      const Camera& cam = mocap.rig(set.subjects[static_cast<size_t>(s)])[static_cast<size_t>(c)];
      for (int r = 0; r < 3; ++r)
        for (int k = 0; k < 3; ++k) rotation.values[static_cast<size_t>(((s * 4 + c) * 3 + r) * 3 + k)] = static_cast<float>(cam.R(r, k));
      image_size.values[static_cast<size_t>((s * 4 + c) * 2)] = cam.width;
      image_size.values[static_cast<size_t>((s * 4 + c) * 2 + 1)] = cam.height;
    }
  write_npz(path, {{"poses_3d", encode_npy(NdArray::from(predicted))},
                   {"targets_3d", encode_npy(NdArray::from(set.targets))},
                   {"inputs_2d", encode_npy(NdArray::from(set.inputs))},
                   {"subject", encode_npy(NdArray::from(subject))},
                   {"action", encode_npy(NdArray::from(action))},
                   {"take", encode_npy(NdArray::from(take))},
                   {"camera", encode_npy(NdArray::from(camera))},
                   {"frame", encode_npy(NdArray::from(frame))},
                   {"camera_rotation", encode_npy(NdArray::from(rotation))},
                   {"image_size", encode_npy(NdArray::from(image_size))},
                   {"subject_names", encode_npy_strings(set.subjects)},
                   {"action_names", encode_npy_strings(h36m_actions())},
                   {"take_names", encode_npy_strings(set.takes)},
                   {"camera_ids", encode_npy_strings(cameras)},
                   {"joint_names", encode_npy_strings(h36m_skeleton_for(set.num_joints, path).names)}});
}

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
  opts.stride = f.stride;
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
  fmt::print("{} ({}, epoch {}, {}), keypoints '{}', {}, frame stride {}{}{}\n", f.checkpoint, c.options.model.name,
             c.state.epoch, weights, opts.keypoints, subjects, opts.stride,
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
    // The report plus what was evaluated, so a results table can be built from the file alone.
    nlohmann::ordered_json j;
    j["checkpoint"] = f.checkpoint;
    j["model"] = c.options.model.name;
    j["keypoints"] = opts.keypoints;
    j["epoch"] = c.state.epoch;
    j["poses_seen"] = c.state.poses_seen;
    j["train_minutes"] = c.state.train_seconds / 60.0;
    j["downsample"] = opts.stride;
    j["flip_test"] = f.flip_test;
    // How the run was steered: by the test subjects after each epoch, or not (held-out subjects, or nothing).
    j["test_monitored"] = c.options.monitor_test;
    j["validation_subjects"] = c.options.data.validation_subjects;
    j["weights"] = weights;
    j["subjects"] = subjects;
    j["bf16"] = f.bf16;
    j["takes_evaluated"] = takes.size();
    j["absent_takes"] = nlohmann::json::array();
    for (const auto& [s, t] : sets.absent)
      if (is_evaluated(s)) j["absent_takes"].push_back(s + " " + t);
    j.update(nlohmann::ordered_json::parse(report_json(report)));
    write_file_atomically(f.json, j.dump(2) + "\n");
  }
  if (!f.export_path.empty()) export_predictions(f.export_path, evaluated, predicted, data.mocap());
}

}  // namespace

void register_evaluate(CLI::App& app) {
  auto f = std::make_shared<EvaluateFlags>();
  CLI::App* cmd = app.add_subcommand("evaluate", "Protocol 1 (MPJPE) and 2 (P-MPJPE) per action on S9 and S11");
  f->cmd = cmd;
  cmd->add_option("checkpoint", f->checkpoint, "A hoif checkpoint (.ckpt)")->required();
  cmd->add_option("--data", f->data, "Where the data is, if not where the checkpoint was trained");
  cmd->add_option("--keypoints", f->keypoints, "Must match the checkpoint's (it is taken from there)");
  cmd->add_option("--downsample", f->stride, "Evaluate every N-th frame (the protocol uses all)")->capture_default_str();
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
