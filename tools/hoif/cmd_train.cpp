// hoif train: the original recipes, from scratch or resumed.
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/data/dataset.h"
#include "hoif/distributed/local_ranks.h"
#include "hoif/distributed/process_group.h"
#include "hoif/training/data_parallel.h"
#include "hoif/training/loss.h"
#include "hoif/training/trainer.h"
#include "runtime.h"

namespace hoif::cli {

namespace {

struct TrainFlags {
  TrainOptions options;
  std::string model;
  bool resume = false, no_max_norm = false, flip_augment = false, flip_test = false, monitor_test = false;
  int nproc = 1;
  std::string dist_url;
  int world_size = 1, rank = 0, dist_timeout = 300;
  CLI::App* cmd = nullptr;
};

// This rank's place in a data-parallel run: PyTorch's launcher variables, overridden by flags.
DistributedOptions distributed_options(const TrainFlags& f) {
  DistributedOptions d = DistributedOptions::from_environment();
  if (f.cmd->count("--dist-url")) d.set_url(f.dist_url);
  if (f.cmd->count("--world-size")) d.world_size = f.world_size;
  if (f.cmd->count("--rank")) d.rank = f.rank;
  d.timeout = std::chrono::seconds(f.dist_timeout);
  d.check();
  return d;
}

// --nproc N: this command again as N local ranks, without --nproc.
void launch_local_ranks(const TrainFlags& f) {
  if (std::getenv("RANK") || std::getenv("WORLD_SIZE") || f.cmd->count("--world-size") || f.cmd->count("--rank"))
    fail("--nproc", "starts the ranks itself; it does not go with RANK, WORLD_SIZE, --world-size or --rank");
  LocalRanks launch;
  launch.nproc = f.nproc;
  const std::vector<std::string>& args = program_arguments();
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--nproc") ++i;
    else if (args[i].rfind("--nproc=", 0) != 0) launch.arguments.push_back(args[i]);
  }
  if (f.cmd->count("--dist-url")) {
    DistributedOptions d;
    d.set_url(f.dist_url);
    launch.port = d.master_port;
  }
  install_interrupt_flag();
  launch.interrupted = [] { return interrupted(); };
  if (const int code = run_local_ranks(launch); code != 0) throw ExitCode{code};
}

// Options given on the command line override the recipe; with --resume they must agree with the
// checkpoint, except those that may change between sessions.
void apply(const TrainFlags& f, TrainOptions& o, bool resuming) {
  auto given = [&](const char* flag) { return f.cmd->count(flag) > 0; };
  auto set = [&](const char* flag, auto& field, const auto& value) {
    if (!given(flag)) return;
    if (resuming && field != value)
      fail(flag, "differs from the checkpoint being resumed (" + fmt::format("{}", field) + "); drop it or start a new run");
    field = value;
  };
  const TrainOptions& v = f.options;
  set("--keypoints", o.data.keypoints, v.data.keypoints);
  set("--downsample", o.data.downsample, v.data.downsample);
  set("--batch-size", o.batch_size, v.batch_size);
  set("--lr", o.lr, v.lr);
  if (!(std::isfinite(o.lr) && o.lr > 0)) fail("--lr", "must be a positive number");
  set("--lr-decay", o.lr_decay, v.lr_decay);
  set("--lr-gamma", o.lr_gamma, v.lr_gamma);
  if (!(o.lr_gamma > 0 && o.lr_gamma <= 1)) fail("--lr-gamma", "must be in (0, 1]");
  set("--lr-schedule", o.lr_schedule, v.lr_schedule);
  set("--lr-min", o.lr_min, v.lr_min);
  if (!(std::isfinite(o.lr_min) && o.lr_min >= 0 && o.lr_min <= o.lr)) fail("--lr-min", "must be between 0 and --lr");
  set("--output-lr-scale", o.output_lr_scale, v.output_lr_scale);
  if (!(o.output_lr_scale > 0 && o.output_lr_scale <= 1)) fail("--output-lr-scale", "must be in (0, 1]");
  set("--weight-decay", o.weight_decay, v.weight_decay);
  if (!(o.weight_decay >= 0 && o.weight_decay * o.lr < 1)) fail("--weight-decay", "must be at least 0 and below 1 / lr");
  set("--loss", o.loss, v.loss);
  set("--train-minutes", o.train_minutes, v.train_minutes);
  if (!(o.train_minutes >= 0)) fail("--train-minutes", "must be at least 0");
  set("--flip-augment", o.flip_augment, f.flip_augment);
  set("--bone-augment", o.bone_augment, v.bone_augment);
  if (!(o.bone_augment >= 0 && o.bone_augment < 1)) fail("--bone-augment", "must be in [0, 1)");
  set("--rotate-augment", o.rotate_augment, v.rotate_augment);
  if (!(o.rotate_augment >= 0 && o.rotate_augment <= 180)) fail("--rotate-augment", "must be in [0, 180] degrees");
  set("--weight-average", o.weight_average, v.weight_average);
  if (!(o.weight_average >= 0 && o.weight_average < 1)) fail("--weight-average", "must be in [0, 1)");
  set("--dropout", o.model.dropout, v.model.dropout);
  set("--hid-dim", o.model.hid_dim, v.model.hid_dim);
  set("--num-layers", o.model.num_layers, v.model.num_layers);
  set("--seed", o.seed, v.seed);
  set("--snapshot", o.snapshot, v.snapshot);
  if (given("--actions")) {
    if (resuming && o.data.actions != v.data.actions) fail("--actions", "differs from the checkpoint being resumed");
    o.data.actions = v.data.actions;
  }
  if (given("--validation-subjects")) {
    if (resuming && o.data.validation_subjects != v.data.validation_subjects)
      fail("--validation-subjects", "differs from the checkpoint being resumed");
    o.data.validation_subjects = v.data.validation_subjects;
  }
  set("--monitor-test", o.monitor_test, f.monitor_test);
  if (o.monitor_test && !o.data.validation_subjects.empty())
    fail("--monitor-test", "and --validation-subjects exclude each other: the per-epoch evaluation is on one of them");
  if (given("--no-max-norm")) {
    if (resuming && o.max_norm) fail("--no-max-norm", "differs from the checkpoint being resumed");
    o.max_norm = false;
  }
  // These may change between sessions.
  if (given("--epochs")) o.epochs = v.epochs;
  if (given("--data")) o.data_path = v.data_path;
  if (given("--threads")) o.threads = v.threads;
  if (given("--device")) o.device = v.device;
  if (given("--time-budget")) o.time_budget_minutes = v.time_budget_minutes;
  if (given("--flip-test")) o.flip_test = f.flip_test;
  if (given("--eval-downsample")) o.eval_downsample = v.eval_downsample;
  if (given("--save-every")) o.save_every_minutes = v.save_every_minutes;
  o.checkpoint_dir = v.checkpoint_dir;
}

// What the run looks at after each epoch, said before it starts.
void print_evaluation_plan(const TrainOptions& o, const Datasets& sets) {
  const std::string set = o.evaluation_set();
  if (set == "validation")
    fmt::print("per-epoch evaluation: {} held out of training ({} poses); the test subjects are not looked at\n",
               fmt::join(o.data.validation_subjects, " "), sets.validation.size());
  else if (set == "test")
    fmt::print("per-epoch evaluation: the test subjects S9 S11 (--monitor-test): this run is test-monitored\n");
  else
    fmt::print("per-epoch evaluation: none (--validation-subjects S8 monitors a held-out subject; the test subjects are "
               "for one evaluation after training)\n");
}

void print_data_summary(const TrainOptions& o, const Datasets& sets, int threads) {
  fmt::print("data: {} ({} training, {} test poses; keypoints '{}', {} joints, downsample {}); {} threads on {}{}\n",
             o.data_path, sets.train.size(), sets.test.size(), o.data.keypoints, sets.train.num_joints, o.data.downsample,
             threads, o.device, o.world_size > 1 ? fmt::format(", per rank; {} ranks, batch {} each", o.world_size,
                                                               o.batch_size / o.world_size) : "");
  if (!sets.absent.empty()) {
    std::string names;
    for (const auto& [s, t] : sets.absent) names += fmt::format(" {} '{}';", s, t);
    fmt::print("absent takes ({}):{}\n", sets.absent.size(), names);
  }
}

void print_outcome(const TrainOptions& o, const TrainOutcome& out, const Datasets& sets) {
  if (out.finished && !o.evaluates_each_epoch())
    fmt::print("done: {:.4g} epochs ({} poses, {:.1f} min of training); no per-epoch evaluation: evaluate the test "
               "subjects once with `hoif evaluate {}/last.ckpt`\n",
               static_cast<double>(out.state.poses_seen) / static_cast<double>(sets.train.size()), out.state.poses_seen,
               out.state.train_seconds / 60, o.checkpoint_dir);
  else if (out.finished)
    fmt::print("done: {:.4g} epochs ({} poses, {:.1f} min of training), last-epoch {} P1 {:.2f} mm, P2 {:.2f} mm; "
               "best P1 {:.2f} mm at epoch {} ({}); checkpoints in {}\n",
               static_cast<double>(out.state.poses_seen) / static_cast<double>(sets.train.size()), out.state.poses_seen,
               out.state.train_seconds / 60, o.evaluation_set(), out.state.history.back().p1,
               out.state.history.back().p2, out.state.best_p1, out.state.best_epoch,
               o.best_epoch_selection(), o.checkpoint_dir);
}

void run(TrainFlags& f) {
  namespace fs = std::filesystem;
  if (f.nproc != 1) {
    if (f.nproc < 1) fail("--nproc", "must be at least 1");
    return launch_local_ranks(f);
  }
  const DistributedOptions d = distributed_options(f);
  const std::unique_ptr<ProcessGroup> ranks = d.distributed() ? ProcessGroup::join(d) : nullptr;
  const bool quiet = ranks && ranks->rank() != 0;  // rank 0 speaks for the run
  TrainRun r;
  r.ranks = ranks.get();
  if (f.resume) {
    const std::string path = (fs::path(f.options.checkpoint_dir) / "last.ckpt").string();
    if (f.cmd->count("--model")) fail("--model", "comes from the checkpoint when resuming");
    LoadedCheckpoint c = ranks ? load_checkpoint_from_rank0(*ranks, path, torch::Device(torch::kCPU))
                               : load_checkpoint(path, torch::Device(torch::kCPU));
    if (c.options.world_size != d.world_size && !quiet)
      fmt::print("note: {} was trained on {} process(es) and continues on {}: the same global batch in the same "
                 "order, so the same steps up to the order of floating-point sums\n",
                 path, c.options.world_size, d.world_size);
    r.options = c.options;
    r.options.time_budget_minutes = 0;  // a budget belongs to one session, not to the run
    apply(f, r.options, true);
    c.model->to(parse_device(r.options.device));
    r.resume = std::move(c);
    if (r.resume->state.epoch >= r.options.epochs && r.resume->state.batch_in_epoch == 0)
      fail(path, fmt::format("has finished its {} epochs; pass a larger --epochs to train on", r.options.epochs));
    if (r.options.training_time_used(r.resume->state.train_seconds))
      fail(path, fmt::format("has used its {} minutes of training (--train-minutes)", r.options.train_minutes));
  } else {
    if (f.model.empty()) fail("--model", fmt::format("is required ({})", fmt::join(model_names(), ", ")));
    if (f.options.data_path.empty()) fail("--data", "is required: the Human3.6M archive or a prepared folder");
    r.options = TrainOptions::recipe(f.model);
    apply(f, r.options, false);
    const bool taken = !quiet && fs::exists(fs::path(r.options.checkpoint_dir) / "last.ckpt");  // rank 0's disk
    if (ranks ? ranks->any(taken) : taken)
      fail(r.options.checkpoint_dir, "already holds a run (last.ckpt); use --resume to continue it or another --checkpoint");
  }
  r.options.world_size = d.world_size;
  r.options.model = r.options.model.resolved();  // sizes checked before the data is read
  if (r.options.epochs < 1) fail("--epochs", "must be at least 1");
  if (r.options.batch_size < 1) fail("--batch-size", "must be at least 1");
  if (r.options.lr_decay < 1) fail("--lr-decay", "must be at least 1");
  if (r.options.eval_downsample < 1) fail("--eval-downsample", "must be at least 1");
  const int threads = setup_threads(r.options.threads);
  parse_device(r.options.device);

  H36mData data(r.options.data_path);
  const Datasets sets = load_datasets(data, r.options.data);
  r.options.model.joints = sets.train.num_joints;
  r.options.model = r.options.model.resolved();
  if (ranks) require_same_run(*ranks, training_description(r.options, sets.train));
  if (!quiet) {
    print_data_summary(r.options, sets, threads);
    print_evaluation_plan(r.options, sets);
  }
  r.train = &sets.train;
  r.test = r.options.evaluation_set() == "validation" ? &sets.validation : &sets.test;
  r.progress_bar = !quiet;
  r.log = [quiet](const std::string& line) {
    if (quiet) return;
    fmt::print("{}\n", line);
    std::fflush(stdout);
  };
  install_interrupt_flag();
  r.stop_requested = [] { return interrupted(); };
  const TrainOutcome out = train_model(r);
  if (out.stop_reason == "interrupted") throw ExitCode{130};
  if (!quiet) print_outcome(r.options, out, sets);
}


}  // namespace

void register_train(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* cmd = app.add_subcommand("train", "Train a model from scratch with the original recipe, or resume a run");
  f->cmd = cmd;
  TrainOptions& o = f->options;
  cmd->add_option("--model", f->model, fmt::format("{}", fmt::join(model_names(), " | ")));
  cmd->add_option("--data", o.data_path, "The Human3.6M archive (folder or zip) or a prepared folder");
  cmd->add_option("--keypoints", o.data.keypoints, "gt, gt17, sh_pt_mpii, or a detections name")->default_str("gt");
  cmd->add_option("--epochs", o.epochs, "Epochs (default: the model's recipe)");
  cmd->add_option("--batch-size", o.batch_size, "Batch size (default: the recipe's)");
  cmd->add_option("--lr", o.lr, "Initial learning rate")->default_str("1e-3");
  cmd->add_option("--lr-decay", o.lr_decay, "Steps between learning-rate decays")->default_str("100000");
  cmd->add_option("--lr-gamma", o.lr_gamma, "Decay factor (default: the recipe's)");
  cmd->add_option("--lr-schedule", o.lr_schedule, "staircase (x lr-gamma every lr-decay steps), cosine (to --lr-min over the run) or constant")
      ->check(CLI::IsMember({"staircase", "cosine", "constant"}))
      ->capture_default_str();
  cmd->add_option("--lr-min", o.lr_min, "Cosine schedule: the rate at the last step")->capture_default_str();
  cmd->add_option("--output-lr-scale", o.output_lr_scale,
                  "The output layer's learning rate as a fraction of the schedule's (1: the originals)")
      ->capture_default_str();
  cmd->add_option("--weight-decay", o.weight_decay,
                  "Decoupled weight decay (AdamW) of the weight matrices: each step shrinks them by 1 - lr * this "
                  "(0: off, the originals)")
      ->capture_default_str();
  cmd->add_option("--train-minutes", o.train_minutes,
                  "Train this many minutes in all (over every session; evaluation excluded), then end the run "
                  "(or after --epochs if sooner); a cosine schedule then spans this time instead of the steps");
  cmd->add_flag("--flip-augment", f->flip_augment, "Mirror each training pose (2D and 3D, left <-> right) with probability 1/2");
  cmd->add_option("--bone-augment", o.bone_augment,
                  "Scale each training pose's bones by random factors in [1 - R, 1 + R] (a left bone as its right "
                  "one) and move its 2D keypoints with their projection (0: off)")
      ->capture_default_str();
  cmd->add_option("--rotate-augment", o.rotate_augment,
                  "Rotate each training pose about the world's vertical through its root by a random angle in "
                  "[-DEG, DEG] degrees and move its 2D keypoints with their projection (0: off)")
      ->capture_default_str();
  cmd->add_flag("--flip-test", f->flip_test, "Per-epoch evaluation averages each pose with its lifted mirror image");
  cmd->add_flag("--monitor-test", f->monitor_test,
                "Evaluate the test subjects after each epoch and keep best.ckpt by them, as the original code does; "
                "marks the run test-monitored (default: no per-epoch evaluation unless --validation-subjects)");
  cmd->add_option("--weight-average", o.weight_average,
                  "Keep an exponential moving average of the weights with this decay per step (e.g. 0.9998); "
                  "it is what is evaluated and saved as the model (0: off)")
      ->capture_default_str();
  cmd->add_option("--eval-downsample", o.eval_downsample, "Per-epoch evaluation on every N-th test pose")->capture_default_str();
  cmd->add_option("--save-every", o.save_every_minutes, "Also save last.ckpt within an epoch every this many minutes (0: off)")
      ->capture_default_str();
  cmd->add_flag("--no-max-norm", f->no_max_norm, "Do not clip the gradient norm at 1");
  cmd->add_option("--loss", o.loss, "mse (the originals) or mpjpe (mean per-joint distance, as VideoPose3D)")
      ->check(CLI::IsMember(pose_loss_kinds()))
      ->capture_default_str();
  cmd->add_option("--dropout", o.model.dropout, "Dropout rate (default: the recipe's)");
  cmd->add_option("--hid-dim", o.model.hid_dim, "Hidden width (default: the model's)");
  cmd->add_option("--num-layers", o.model.num_layers, "Residual blocks / stages / hidden layers (default: the model's)");
  cmd->add_option("--downsample", o.data.downsample, "Keep every N-th frame")->default_str("1");
  cmd->add_option("--actions", o.data.actions, "Only these actions (comma-separated)")->delimiter(',');
  cmd->add_option("--validation-subjects", o.data.validation_subjects,
                  "Hold these training subjects out (comma-separated, e.g. S8) and evaluate them after each "
                  "epoch, so that the run's length and best.ckpt are chosen without the test set")
      ->delimiter(',');
  cmd->add_option("--checkpoint", o.checkpoint_dir, "Folder for checkpoints and logs")->capture_default_str();
  cmd->add_flag("--resume", f->resume, "Continue the run in --checkpoint (last.ckpt) exactly where it stopped");
  cmd->add_option("--snapshot", o.snapshot, "Keep a checkpoint every N epochs")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Random seed")->capture_default_str();
  cmd->add_option("--threads", o.threads, "CPU threads (0: every core)")->capture_default_str();
  cmd->add_option("--device", o.device, "cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--time-budget", o.time_budget_minutes, "Stop cleanly (and save) after this many minutes");
  cmd->add_option("--nproc", f->nproc,
                  "Train data-parallel as N processes on this machine (each with --threads threads and batch / N "
                  "poses of every batch); see docs/DISTRIBUTED.md")
      ->capture_default_str();
  cmd->add_option("--dist-url", f->dist_url,
                  "tcp://HOST:PORT of rank 0 in a run over several machines (default: $MASTER_ADDR, $MASTER_PORT)");
  cmd->add_option("--world-size", f->world_size, "Processes in the run over all machines (default: $WORLD_SIZE, else 1)");
  cmd->add_option("--rank", f->rank, "This process's rank, 0 .. world size - 1 (default: $RANK, else 0)");
  cmd->add_option("--dist-timeout", f->dist_timeout,
                  "Seconds a rank waits for the others before it gives up with an error (a rank that dies is "
                  "noticed at once)")
      ->capture_default_str();
  cmd->callback([f] { run(*f); });
}

}  // namespace hoif::cli
