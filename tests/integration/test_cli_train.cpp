// train, resume, evaluate, info and import-weights end to end on the miniature archive.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "hoif/io/npz.h"

namespace fs = std::filesystem;

namespace {

using hoif::test::CliRun;

CliRun run(const std::string& args) { return hoif::test::run_hoif(HOIF_BINARY, args); }

void expect_one_line_error(const CliRun& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
}

const hoif::test::MiniWorkspace& mini() { return hoif::test::mini_workspace("cli_train"); }

}  // namespace

TEST(CliTrain, BudgetedRecipeEvaluateWithFlipAndExport) {
  const fs::path ck = mini().dir / "budgeted_recipe";
  const std::string data = mini().data.string();
  const CliRun t = run("train --model hoif --data " + data + " --epochs 2 --hid-dim 8 --num-layers 2 --batch-size 8 --threads 1"
                       " --lr-schedule cosine --flip-augment --flip-test --weight-average 0.9 --eval-downsample 2 --loss mpjpe"
                       " --output-lr-scale 0.5 --weight-decay 0.01 --bone-augment 0.1 --rotate-augment 30 --monitor-test"
                       " --checkpoint " + ck.string());
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  const CliRun i = run("info " + (ck / "last.ckpt").string());
  EXPECT_NE(i.out.find("lr 0.001 cosine to 0 (output layer x0.5), mpjpe loss, clip 1, weight decay 0.01, flip augmentation, "
                       "bone lengths x0.9 to x1.1, rotation about the vertical up to 30 deg, weight average (decay 0.9)"),
            std::string::npos)
      << i.out;
  EXPECT_NE(i.out.find("test on every 2 pose(s), flip test-time averaging: a test-monitored run"), std::string::npos) << i.out;
  // The augmentation is part of the run: a resume may not switch it.
  expect_one_line_error(run("train --resume --epochs 3 --lr-schedule staircase --checkpoint " + ck.string()),
                        "--lr-schedule: differs from the checkpoint");
  expect_one_line_error(run("train --resume --epochs 3 --train-minutes 30 --checkpoint " + ck.string()),
                        "--train-minutes: differs from the checkpoint");
  expect_one_line_error(run("train --resume --epochs 3 --loss mse --checkpoint " + ck.string()),
                        "--loss: differs from the checkpoint");
  expect_one_line_error(run("train --resume --epochs 3 --weight-decay 0.1 --checkpoint " + ck.string()),
                        "--weight-decay: differs from the checkpoint");
  expect_one_line_error(run("train --resume --epochs 3 --bone-augment 0.2 --checkpoint " + ck.string()),
                        "--bone-augment: differs from the checkpoint");
  expect_one_line_error(run("train --model hoif --data " + data + " --bone-augment 1.5 --checkpoint " + (ck / "x").string()),
                        "--bone-augment: must be in [0, 1)");
  expect_one_line_error(run("train --model hoif --data " + data + " --rotate-augment 200 --checkpoint " + (ck / "x").string()),
                        "--rotate-augment: must be in [0, 180] degrees");

  const fs::path json = mini().dir / "budget_eval.json";
  const CliRun e = run("evaluate " + (ck / "last.ckpt").string() + " --flip-test --json " + json.string());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("flip test-time averaging"), std::string::npos) << e.out;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("model").get<std::string>(), "hoif");
  EXPECT_EQ(j.at("epoch").get<int>(), 2);
  EXPECT_EQ(j.at("poses_seen").get<int>(), 2 * 32);
  EXPECT_TRUE(j.at("flip_test").get<bool>());
  EXPECT_EQ(j.at("takes_evaluated").get<int>(), 1);
  EXPECT_EQ(j.at("poses").get<int>(), 16);
  EXPECT_EQ(j.at("weights").get<std::string>(), "weight average");
  // The optimizer's own last weights, kept beside the average, evaluate differently.
  const fs::path raw_json = mini().dir / "budget_eval_raw.json";
  const CliRun w = run("evaluate " + (ck / "last.ckpt").string() + " --flip-test --training-weights --json " + raw_json.string());
  ASSERT_EQ(w.exit_code, 0) << w.err;
  std::ifstream raw_in(raw_json);
  const auto raw = nlohmann::json::parse(raw_in);
  EXPECT_EQ(raw.at("weights").get<std::string>(), "training weights");
  EXPECT_NE(raw.at("p1").get<double>(), j.at("p1").get<double>());
  expect_one_line_error(run("train --model hoif --data " + data + " --weight-average 1 --checkpoint " + (mini().dir / "x").string()),
                        "--weight-average: must be in [0, 1)");

  const fs::path onnx = mini().dir / "budget.onnx";
  const CliRun x = run("export " + (ck / "last.ckpt").string() + " --onnx " + onnx.string());
  ASSERT_EQ(x.exit_code, 0) << x.err;
  EXPECT_GT(fs::file_size(onnx), 1000u);
}

TEST(CliTrain, TrainResumeEvaluateInfo) {
  const fs::path ck = mini().dir / "run";
  const std::string data = mini().data.string();
  const CliRun t = run("train --model semgcn --data " + data + " --epochs 2 --hid-dim 8 --batch-size 8 --threads 1"
                       " --monitor-test --checkpoint " + ck.string());
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  EXPECT_NE(t.out.find("32 training poses, 16 test poses"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("this run is test-monitored"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("selected on the test set"), std::string::npos) << t.out;
  expect_one_line_error(run("train --resume --epochs 3 --monitor-test=false --checkpoint " + ck.string()),
                        "--monitor-test: differs from the checkpoint");
  for (const char* f : {"last.ckpt", "best.ckpt", "log.csv", "loss.png", "test_error.png", "config.json"})
    EXPECT_TRUE(fs::exists(ck / f)) << f;

  // A new run may not overwrite an old one; a resume must not change the recipe.
  expect_one_line_error(run("train --model semgcn --data " + data + " --checkpoint " + ck.string()), "use --resume");
  expect_one_line_error(run("train --resume --checkpoint " + ck.string()), "has finished its 2 epochs");
  expect_one_line_error(run("train --resume --batch-size 16 --epochs 3 --checkpoint " + ck.string()),
                        "--batch-size: differs from the checkpoint");
  const CliRun more = run("train --resume --epochs 3 --threads 1 --checkpoint " + ck.string());
  ASSERT_EQ(more.exit_code, 0) << more.err;
  EXPECT_NE(more.out.find("epoch   3"), std::string::npos) << more.out;

  const fs::path json = mini().dir / "eval.json", preds = mini().dir / "preds.npz";
  const CliRun e = run("evaluate " + (ck / "last.ckpt").string() + " --json " + json.string() + " --export " + preds.string());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  {
    std::ifstream in(json);
    EXPECT_TRUE(nlohmann::json::parse(in).at("test_monitored").get<bool>());
  }
  EXPECT_NE(e.out.find("Walking"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("evaluated 16 poses from 1 takes"), std::string::npos) << e.out;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("poses").get<int>(), 16);
  EXPECT_EQ(j.at("weights").get<std::string>(), "weights");
  expect_one_line_error(run("evaluate " + (ck / "last.ckpt").string() + " --training-weights"), "keeps no weight average");
  EXPECT_EQ(j.at("per_action").at("Walking").at("poses").get<int>(), 16);
  EXPECT_DOUBLE_EQ(j.at("p1").get<double>(), j.at("per_action").at("Walking").at("p1").get<double>());
  expect_one_line_error(run("evaluate " + (ck / "last.ckpt").string() + " --keypoints sh_pt_mpii"), "conflicts with the checkpoint");
  // The training subjects instead: the miniature archive's 32 training poses (S1, two takes).
  const fs::path train_json = mini().dir / "eval_train.json";
  const CliRun et = run("evaluate " + (ck / "last.ckpt").string() + " --training-subjects --json " + train_json.string());
  ASSERT_EQ(et.exit_code, 0) << et.err;
  EXPECT_NE(et.out.find("training subjects S1 S5 S6 S7 S8"), std::string::npos) << et.out;
  EXPECT_NE(et.out.find("evaluated 32 poses from 2 takes"), std::string::npos) << et.out;
  std::ifstream train_in(train_json);
  const auto jt = nlohmann::json::parse(train_in);
  EXPECT_EQ(jt.at("poses").get<int>(), 32);
  EXPECT_EQ(jt.at("subjects").get<std::string>(), "training subjects S1 S5 S6 S7 S8");
  expect_one_line_error(run("evaluate " + (ck / "last.ckpt").string() + " --training-subjects --actions Sitting"),
                        "holds no poses of the training subjects");

  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0) {
    // Recompute P1 from the exported predictions with numpy: it must equal the JSON's.
    const std::string py = "/usr/bin/python3 -c \"import numpy as np, json; d = np.load('" + preds.string() +
                           "', allow_pickle=True); p = d['poses_3d']; t = d['targets_3d']; p = p - p[:, :1]; "
                           "e = np.linalg.norm(p - t, axis=2).mean() * 1000; j = json.load(open('" + json.string() +
                           "')); assert abs(e - j['p1']) < 1e-3, (e, j['p1']); "
                           "assert list(d['joint_names'])[9] == 'Head' and d['camera'].shape == (16,)\"";
    EXPECT_EQ(std::system(py.c_str()), 0) << py;
  }

  // Rendering the take from the checkpoint and from the exported predictions shows the same
  // frames with the same errors.
  const std::string take = " --subject S9 --action 'Walking 1' --camera 2 --output ";
  const CliRun v1 = run("viz " + (ck / "last.ckpt").string() + take + (mini().dir / "v1.gif").string());
  const CliRun v2 = run("viz --predictions " + preds.string() + take + (mini().dir / "v2.gif").string());
  ASSERT_EQ(v1.exit_code, 0) << v1.err;
  ASSERT_EQ(v2.exit_code, 0) << v2.err;
  const auto mpjpe = [](const std::string& out) { return out.substr(out.find("frames of")); };
  EXPECT_EQ(mpjpe(v1.out), mpjpe(v2.out));
  EXPECT_NE(v1.out.find("4 frames of 900x352"), std::string::npos) << v1.out;

  // Lifting the same 2D poses as pixels from a CSV gives what evaluate predicted (both
  // root-relative), and the poses come out with their joint names.
  {
    const hoif::NpzReader npz(preds.string());
    const hoif::ArrayF inputs = npz.array("inputs_2d").to_float("inputs"), poses = npz.array("poses_3d").to_float("poses");
    const auto camera = npz.array("camera").to_int64("camera"), size = npz.array("image_size").to_int64("size");
    const int w = static_cast<int>(size[0]), h = static_cast<int>(size[1]);  // subject 0, camera 0
    std::ofstream csv(mini().dir / "kp.csv");
    csv << "header line\n";
    std::vector<int64_t> rows;
    for (size_t r = 0; r < camera.size(); ++r) {
      if (camera[r] != 0) continue;
      rows.push_back(static_cast<int64_t>(r));
      for (int j = 0; j < 16; ++j) {
        const float xn = inputs.values[(r * 16 + j) * 2], yn = inputs.values[(r * 16 + j) * 2 + 1];
        csv << (j ? "," : "") << (xn + 1) * w / 2 << "," << (yn + static_cast<float>(h) / w) * w / 2;
      }
      csv << "\n";
    }
    csv.close();
    const CliRun l = run("lift --model " + (ck / "last.ckpt").string() + " --input " + (mini().dir / "kp.csv").string() +
                         " --format h36m16 --width " + std::to_string(w) + " --height " + std::to_string(h) +
                         " --output " + (mini().dir / "lifted.npz").string());
    ASSERT_EQ(l.exit_code, 0) << l.err;
    const hoif::NpzReader out((mini().dir / "lifted.npz").string());
    const hoif::ArrayF lifted = out.array("poses_3d").to_float("lifted");
    ASSERT_EQ(lifted.dim(0), static_cast<int64_t>(rows.size()));
    double worst = 0;
    for (size_t n = 0; n < rows.size(); ++n)
      for (int j = 0; j < 16; ++j)
        for (int d = 0; d < 3; ++d) {
          const size_t e = (static_cast<size_t>(rows[n]) * 16 + j) * 3 + d, root = static_cast<size_t>(rows[n]) * 48 + d;
          worst = std::max(worst, std::abs(double(lifted.values[(n * 16 + j) * 3 + d]) - (poses.values[e] - poses.values[root])));
        }
    EXPECT_LT(worst, 1e-4);
    const CliRun bad = run("lift --model " + (ck / "last.ckpt").string() + " --input " + (mini().dir / "kp.csv").string() +
                           " --format coco17 --width 1000 --height 1000 --output " + (mini().dir / "x.npz").string());
    expect_one_line_error(bad, "kp.csv: line 2 has 32 values; expected 34 (x,y) or 51 (x,y,c) for 17 joints");
    // The lifted file renders.
    const CliRun v = run("viz --poses3d " + (mini().dir / "lifted.npz").string() + " --output " + (mini().dir / "l.gif").string());
    EXPECT_EQ(v.exit_code, 0) << v.err;
  }

  const CliRun i = run("info " + (ck / "last.ckpt").string());
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_NE(i.out.find("state       epoch 3 done"), std::string::npos) << i.out;
  // --tensors: shapes from the architecture (SemGCN's 16-joint mask A + I has 46 entries, W is
  // (self/neighbours, in, out)), and the BatchNorm saw 3 epochs x 32 poses / batch 8 = 12 batches.
  const CliRun it = run("info --tensors " + (ck / "last.ckpt").string());
  ASSERT_EQ(it.exit_code, 0) << it.err;
  const auto tensor_line = [&](const std::string& kind, const std::string& name) {
    std::istringstream lines(it.out);
    for (std::string l; std::getline(lines, l);) {
      std::istringstream words(l);
      std::string k, n;
      if (words >> k >> n && k == kind && n == name) return l;
    }
    return std::string("(no line for ") + name + ")";
  };
  EXPECT_NE(tensor_line("param", "gconv_input.0.gconv.e").find("[1, 46]"), std::string::npos) << it.out;
  EXPECT_NE(tensor_line("param", "gconv_input.0.gconv.W").find("[2, 2, 8]"), std::string::npos) << it.out;
  EXPECT_NE(tensor_line("param", "gconv_output.W").find("[2, 8, 3]"), std::string::npos) << it.out;
  const std::string tracked = tensor_line("buffer", "gconv_input.0.bn.num_batches_tracked");
  EXPECT_EQ(tracked.substr(tracked.find_last_of(' ') + 1), "12") << tracked;
  expect_one_line_error(run("info --tensors --training-weights " + (ck / "last.ckpt").string()), "keeps no weight average");
  expect_one_line_error(run("info --training-weights " + (ck / "last.ckpt").string()), "only applies with --tensors");
  expect_one_line_error(run("info " + (mini().dir / "nothing.ckpt").string()), "nothing.ckpt: no such file");
  std::ofstream(mini().dir / "bad.ckpt") << "not a checkpoint";
  expect_one_line_error(run("evaluate " + (mini().dir / "bad.ckpt").string()), "bad.ckpt: not a hoif checkpoint");
}

// Unless asked, a run never looks at the test subjects: no per-epoch error, no best.ckpt; every
// report says so, and evaluating it afterwards marks the result as not test-monitored.
TEST(CliTrain, ByDefaultTheTestSubjectsAreNotLookedAtDuringTraining) {
  const fs::path ck = mini().dir / "unmonitored";
  const std::string data = mini().data.string();
  const CliRun t = run("train --model hoif --data " + data + " --epochs 2 --hid-dim 8 --num-layers 2 --batch-size 8"
                       " --threads 1 --checkpoint " + ck.string());
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  EXPECT_NE(t.out.find("per-epoch evaluation: none"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("32 training poses; 2 epochs of batch 8"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("not evaluated"), std::string::npos) << t.out;
  EXPECT_EQ(t.out.find("test P1"), std::string::npos) << t.out;
  EXPECT_FALSE(fs::exists(ck / "best.ckpt"));
  const CliRun i = run("info " + (ck / "last.ckpt").string());
  EXPECT_NE(i.out.find("per epoch   no evaluation"), std::string::npos) << i.out;
  EXPECT_EQ(i.out.find("best epoch"), std::string::npos) << i.out;
  const fs::path json = mini().dir / "unmonitored.json";
  ASSERT_EQ(run("evaluate " + (ck / "last.ckpt").string() + " --json " + json.string()).exit_code, 0);
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_FALSE(j.at("test_monitored").get<bool>());
  EXPECT_FALSE(j.at("flip_test").get<bool>());
  const CliRun p = run("plot curves " + ck.string() + " --output " + (mini().dir / "none.png").string());
  expect_one_line_error(p, "log.csv: has no per-epoch error to plot");
  expect_one_line_error(run("train --model hoif --data " + data + " --monitor-test --validation-subjects S1 --checkpoint " +
                            (mini().dir / "both").string()),
                        "--monitor-test: and --validation-subjects exclude each other");
}

TEST(CliTrain, TimeBudgetStopsAndSaves) {
  const fs::path ck = mini().dir / "budget";
  const CliRun t = run("train --model martinez --data " + mini().data.string() +
                       " --epochs 50000 --hid-dim 16 --batch-size 4 --threads 1 --time-budget 0.02 --checkpoint " + ck.string());
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("stopped (time budget)"), std::string::npos) << t.out;
  EXPECT_TRUE(fs::exists(ck / "last.ckpt"));
}

// --train-minutes ends the run (not just the session): finished, and not resumable.
TEST(CliTrain, TrainMinutesEndTheRun) {
  const fs::path ck = mini().dir / "train_minutes";
  const CliRun t = run("train --model martinez --data " + mini().data.string() +
                       " --epochs 50000 --hid-dim 16 --batch-size 4 --threads 1 --lr-schedule cosine --train-minutes 0.01 --checkpoint " +
                       ck.string());
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("\ndone: "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find(" min of training)"), std::string::npos) << t.out;
  const CliRun i = run("info " + (ck / "last.ckpt").string());
  EXPECT_NE(i.out.find("recipe      at most 50000 epochs"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("cosine to 0 over 0.01 min"), std::string::npos) << i.out;
  expect_one_line_error(run("train --resume --checkpoint " + ck.string()), "has used its 0.01 minutes of training");
}

// Held-out subjects must be training subjects, and leave some to train on (the mini archive's only
// training subject is S1).
TEST(CliTrain, ValidationSubjectsThatCannotBeHeldOut) {
  const std::string train = "train --model semgcn --data " + mini().data.string() + " --epochs 1 --hid-dim 8 --threads 1 --checkpoint ";
  expect_one_line_error(run(train + (mini().dir / "validation_s9").string() + " --validation-subjects S9"),
                        "--validation-subjects: 'S9' is not a training subject (S1 S5 S6 S7 S8)");
  expect_one_line_error(run(train + (mini().dir / "validation_s1").string() + " --validation-subjects S1"),
                        "training set: is empty (check --actions, --validation-subjects and the data)");
}

TEST(CliTrain, ImportWeightsOfTheOriginalCode) {
  const fs::path out = mini().dir / "imported.ckpt";
  const CliRun r = run("import-weights --model hoif --hid-dim 8 --weights " +
                       hoif::test::fixture_path("parity/hoif.npz").string() + " --out " + out.string() + " --data " +
                       mini().data.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("imported"), std::string::npos);
  EXPECT_NE(r.out.find("gconv_layers.gconv8.gconv.W"), std::string::npos) << r.out;  // built, never called
  const CliRun e = run("evaluate " + out.string());
  EXPECT_EQ(e.exit_code, 0) << e.err;
  expect_one_line_error(run("import-weights --model hgcn --weights " + hoif::test::fixture_path("parity/hoif.npz").string() +
                            " --out " + (mini().dir / "x.ckpt").string()),
                        "has no 'gconv_input.0.gconv.W'");
}

TEST(CliTrain, SigintStaysIgnoredWhereItWasOutsideTraining) {
  // A script's background job starts with SIGINT ignored; a command other than train keeps it so
  // (a Ctrl-C at the terminal is not for it) and ends normally.
  const std::string cmd = "(" + std::string(HOIF_BINARY) +
                          " bench --model semgcn --seconds 0.5 --threads 1 > /dev/null 2>&1 & pid=$!; sleep 1.5; "
                          "kill -INT $pid; wait $pid)";
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(CliTrain, CtrlCSavesAndResumes) {
  const fs::path ck = mini().dir / "interrupted";
  // SIGINT once training has started (its log says so; a loaded machine may take a while to get
  // there), then it stops at the next batch. 100000 epochs: still training then.
  // Before that, its threads' signal masks and caught signals (/proc): SIGINT must have no
  // handler and be blocked in every thread but the one waiting for it in sigwait (which shows it
  // unblocked), since a handler runs on whatever stack pointer its thread has, and oneDNN's JIT
  // GEMM kernels point that into the heap (runtime.h).
  const std::string log = (mini().dir / "int.out").string(), masks = (mini().dir / "int.masks").string();
  const std::string cmd = "(" + std::string(HOIF_BINARY) + " train --model hgcn --data " + mini().data.string() +
                          " --epochs 100000 --hid-dim 8 --batch-size 4 --threads 2 --checkpoint " + ck.string() +
                          " > " + log + " 2>&1 & pid=$!; for i in $(seq 1200); do grep -q 'parameters;' " + log +
                          " && break; sleep 0.1; done; sleep 0.5; grep -h '^SigBlk\\|^SigCgt' /proc/$pid/task/*/status > " +
                          masks + "; kill -INT $pid; wait $pid)";
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 130);
  std::ifstream mask_lines(masks);
  int threads = 0, taking_sigint = 0;
  for (std::string key, hex; mask_lines >> key >> hex;) {
    const bool sigint = (std::stoull(hex, nullptr, 16) >> (SIGINT - 1)) & 1;
    if (key == "SigBlk:") {
      ++threads;
      taking_sigint += !sigint;
    } else {
      EXPECT_FALSE(sigint) << "SIGINT has a handler";
    }
  }
  EXPECT_GE(threads, 3);  // the main thread, a compute thread, the one that waits for SIGINT
  EXPECT_EQ(taking_sigint, 1);
  std::ifstream in(mini().dir / "int.out");
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(out.find("stopped (interrupted)"), std::string::npos) << out;
  ASSERT_TRUE(fs::exists(ck / "last.ckpt"));
  const CliRun i = run("info " + (ck / "last.ckpt").string());
  EXPECT_EQ(i.exit_code, 0) << i.err;
}

// One process trains as the program did before data-parallel training existed: the fixture holds
// the S9 predictions (weight average and last weights) of tiny runs with every random part
// (dropout, flip and rotation augmentation), made by the build of commit 1051031 with the command
// below and `hoif evaluate CKPT --threads 1 [--training-weights] --export`; they were bit-identical
// to this build's on the machine that made them. The bound leaves room for another CPU's rounding;
// another seed moves the predictions by about 0.5 m.
TEST(CliTrain, OneProcessTrainsAsBeforeDataParallelTraining) {
  const hoif::NpzReader recorded(hoif::test::fixture_path("single_process_predictions.npz").string());
  for (const std::string model : {"martinez", "semgcn", "semgcn-nonlocal", "hgcn", "hoif"}) {
    const fs::path ck = mini().dir / ("as_before_" + model);
    const CliRun t = run("train --model " + model + " --data " + mini().data.string() +
                         " --hid-dim 16 --num-layers 2 --dropout 0.2 --batch-size 8 --epochs 3 --flip-augment --rotate-augment 30"
                         " --weight-average 0.9 --lr 1e-3 --seed 7 --threads 1 --snapshot 0 --checkpoint " + ck.string());
    ASSERT_EQ(t.exit_code, 0) << t.err;
    for (const std::string weights : {"", "_training_weights"}) {
      const fs::path preds = ck / ("preds" + weights + ".npz");
      const CliRun e = run("evaluate " + (ck / "last.ckpt").string() + " --threads 1 --export " + preds.string() +
                           (weights.empty() ? "" : " --training-weights"));
      ASSERT_EQ(e.exit_code, 0) << e.err;
      const hoif::ArrayF now = hoif::NpzReader(preds.string()).array("poses_3d").to_float("poses");
      const hoif::ArrayF before = recorded.array(model + weights).to_float("recorded");
      ASSERT_EQ(now.shape, before.shape) << model;
      float largest = 0;
      for (int64_t i = 0; i < now.size(); ++i) largest = std::max(largest, std::abs(now.data()[i] - before.data()[i]));
      EXPECT_LT(largest, 1e-5f) << model << weights << " (metres)";
    }
  }
}
