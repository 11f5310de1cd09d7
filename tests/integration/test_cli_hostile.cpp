// Hostile and careless runs of every command (issue 37; docs/BAD_INPUTS.md): each row of the table
// is a bad input, the exit code and the one-line message it must get, and the files that must come
// out of it byte for byte as they went in.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "fixtures.h"

namespace fs = std::filesystem;

namespace {

using hoif::test::CliRun;

CliRun run(const std::string& args) { return hoif::test::run_hoif(HOIF_BINARY, args); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool have_python_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

int python(const std::string& code) { return std::system(("/usr/bin/python3 -c \"" + code + "\"").c_str()); }

// The files a case works on: a tiny trained model, its folder, the mini archive, a keypoint file.
struct Workspace {
  fs::path dir, data, run, ckpt, csv;
  Workspace() : dir(hoif::test::temp_dir("hostile")), data(dir / "h36m"), run(dir / "run"), ckpt(run / "last.ckpt") {
    hoif::test::make_mini_archive(data, false);
    const CliRun t = ::run("train --model hoif --data " + data.string() + " --epochs 1 --hid-dim 8 --num-layers 2 " +
                           "--batch-size 8 --threads 1 --checkpoint " + run.string());
    EXPECT_EQ(t.exit_code, 0) << t.out << t.err;
    csv = dir / "walk.csv";
    std::ofstream out(csv);
    for (int frame = 0; frame < 3; ++frame) {
      for (int j = 0; j < 16; ++j) out << (j ? "," : "") << 400 + 10 * j + frame << "," << 300 + 20 * j;
      out << "\n";
    }
    out.close();
    const CliRun l = ::run("lift --model " + ckpt.string() + " --input " + csv.string() +
                           " --format h36m16 --width 1000 --height 1000 --output " + (dir / "lifted.npz").string());
    EXPECT_EQ(l.exit_code, 0) << l.err;
  }
};

const Workspace& ws() {
  static const Workspace w;
  return w;
}

struct Case {
  const char* name;
  std::function<std::string()> args;  // prepares its files, returns the command line
  int exit_code;
  const char* message;                 // a fragment of the one line on stderr
  std::function<std::vector<fs::path>()> kept = [] { return std::vector<fs::path>{}; };  // unchanged by the run
};

fs::path case_dir(const std::string& name) {
  const fs::path d = ws().dir / "cases" / name;
  fs::create_directories(d);
  return d;
}

// A copy of the trained model for a case that may damage it.
fs::path model_copy(const std::string& name) {
  const fs::path p = case_dir(name) / "model.ckpt";
  fs::copy_file(ws().ckpt, p, fs::copy_options::overwrite_existing);
  return p;
}

// Rewrites the checkpoint's zip with python: `edit` is Python code that gets `name` and `data`
// (bytes) for each entry and rebinds `data`; the CRCs are recomputed, so only hoif's own checks
// can notice.
void rewrite_entries(const fs::path& ckpt, const std::string& edit) {
  const std::string tmp = ckpt.string() + ".new";
  ASSERT_EQ(python("import zipfile\nsrc = zipfile.ZipFile('" + ckpt.string() + "')\ndst = zipfile.ZipFile('" + tmp +
                   "', 'w', zipfile.ZIP_STORED)\nfor info in src.infolist():\n    name = info.filename\n    data = "
                   "src.read(name)\n" + edit + "\n    dst.writestr(info, data)\ndst.close()"),
            0);
  fs::rename(tmp, ckpt);
}

// `hoif info` on a checkpoint kept in tests/fixtures (the checkpoint fuzzer's finds).
std::function<std::string()> info_on_fixture(const std::string& file) {
  return [file] { return "info " + std::string(HOIF_SOURCE_DIR) + "/tests/fixtures/" + file; };
}

const std::vector<Case>& cases() {
  static const std::vector<Case> table = {
      // ---- data loss: an output that is an input
      {"evaluate_json_over_the_checkpoint",
       [] { return "evaluate " + model_copy("e1").string() + " --json " + (case_dir("e1") / "model.ckpt").string(); }, 1,
       "is the same file as the checkpoint", [] { return std::vector<fs::path>{case_dir("e1") / "model.ckpt"}; }},
      {"evaluate_export_through_a_symlink",
       [] {
         const fs::path m = model_copy("e2"), link = case_dir("e2") / "link.npz";
         fs::remove(link);
         fs::create_symlink(m, link);
         return "evaluate " + m.string() + " --export " + link.string();
       },
       1, "--export", [] { return std::vector<fs::path>{case_dir("e2") / "model.ckpt"}; }},
      {"evaluate_json_through_a_hard_link",
       [] {
         const fs::path m = model_copy("e3"), link = case_dir("e3") / "hard.json";
         fs::remove(link);
         fs::create_hard_link(m, link);
         return "evaluate " + m.string() + " --json " + link.string();
       },
       1, "is the same file as the checkpoint", [] { return std::vector<fs::path>{case_dir("e3") / "model.ckpt"}; }},
      {"evaluate_json_is_a_folder_refused_before_the_evaluation",
       [] { return "evaluate " + ws().ckpt.string() + " --json " + case_dir("e4").string(); }, 1, "is a folder"},
      {"lift_output_over_its_input",
       [] {
         const fs::path k = case_dir("l1") / "k.csv";
         fs::copy_file(ws().csv, k, fs::copy_options::overwrite_existing);
         return "lift --model " + ws().ckpt.string() + " --input " + k.string() + " --format h36m16 --width 1000 " +
                "--height 1000 --output " + k.string();
       },
       1, "--output: '", [] { return std::vector<fs::path>{case_dir("l1") / "k.csv"}; }},
      {"export_weights_over_the_checkpoint",
       [] { return "export " + model_copy("x1").string() + " --weights-only " + (case_dir("x1") / "model.ckpt").string(); },
       1, "--weights-only", [] { return std::vector<fs::path>{case_dir("x1") / "model.ckpt"}; }},
      {"export_two_outputs_to_one_file",
       [] {
         return "export " + ws().ckpt.string() + " --torchscript " + (case_dir("x2") / "m.pt").string() + " --onnx " +
                (case_dir("x2") / "m.pt").string();
       },
       1, "is also given to --torchscript"},
      {"import_weights_over_the_state_dict",
       [] {
         const fs::path sd = case_dir("i1") / "sd.npz";
         std::ofstream(sd) << "placeholder";
         return "import-weights --model hoif --weights " + sd.string() + " --out " + sd.string();
       },
       1, "is the same file as --weights", [] { return std::vector<fs::path>{case_dir("i1") / "sd.npz"}; }},
      {"plot_curves_over_the_log",
       [] {
         const fs::path log = case_dir("p1") / "log.png";
         fs::copy_file(ws().run / "log.csv", log, fs::copy_options::overwrite_existing);
         return "plot curves " + log.string() + " --output " + log.string();
       },
       1, "is the same file as the run log", [] { return std::vector<fs::path>{case_dir("p1") / "log.png"}; }},
      {"plot_to_a_jpeg_name", [] { return "plot curves " + ws().run.string() + " --output " + (case_dir("p2") / "c.jpg").string(); },
       1, "plots are PNG files"},
      // ---- silent garbage
      {"checkpoint_with_a_nan_weight",
       [] {
         const fs::path m = model_copy("n1");
         // The first float of every tensor but the text ones (the format, options and state) becomes NaN.
         rewrite_entries(m, "    if '/data/' in name and data[:1] != b'{' and data[:4] != b'hoif' and len(data) % 4 == 0:\n"
                            "        data = b'\\x00\\x00\\xc0\\x7f' + data[4:]");
         return "evaluate " + m.string();
       },
       1, "holds NaN or infinite values"},
      {"checkpoint_whose_zip_checksum_fails",
       [] {
         const fs::path m = model_copy("n2");
         // A byte inside the largest stored entry, flipped in place: the CRC no longer matches.
         python("import zipfile\nz = zipfile.ZipFile('" + m.string() + "')\ni = max(z.infolist(), key=lambda i: i.file_size)\n"
                "f = open('" + m.string() + "', 'r+b')\nf.seek(i.header_offset + 26)\nn, e = f.read(2), f.read(2)\n"
                "at = i.header_offset + 30 + int.from_bytes(n, 'little') + int.from_bytes(e, 'little') + 3\nf.seek(at)\n"
                "b = f.read(1)\nf.seek(at)\nf.write(bytes([b[0] ^ 0x40]))");
         return "lift --model " + m.string() + " --input " + ws().csv.string() + " --format h36m16 --width 1000 --height 1000 " +
                "--output " + (case_dir("n2") / "out.npz").string();
       },
       1, "fails its checksum"},
      {"checkpoint_options_disagree_with_its_tensors",
       [] {
         const fs::path m = model_copy("n3");
         rewrite_entries(m, "    data = data.replace(b'\\\"num_layers\\\":2', b'\\\"num_layers\\\":1')");
         return "evaluate " + m.string();
       },
       1, "the options stored with the weights disagree with them"},
      {"checkpoint_with_a_flipped_byte_in_its_pickle",
       [] {
         const fs::path m = model_copy("n4");
         rewrite_entries(m, "    if name.endswith('data.pkl'):\n        data = data[:40] + b'\\xff' + data[41:]");
         return "info " + m.string();
       },
       1, "model.ckpt: "},
      {"keypoints_all_far_outside_the_image",
       [] {
         const fs::path k = case_dir("k1") / "far.csv";
         std::ofstream out(k);
         for (int j = 0; j < 16; ++j) out << (j ? "," : "") << "1e30,-1e6";
         out << "\n";
         return "lift --model " + ws().ckpt.string() + " --input " + k.string() + " --format h36m16 --width 1000 " +
                "--height 1000 --output " + (case_dir("k1") / "out.npz").string();
       },
       1, "nothing to interpolate from"},
      {"min_confidence_nan", [] {
         return "lift --model " + ws().ckpt.string() + " --input " + ws().csv.string() + " --format h36m16 --width 1000 " +
                "--height 1000 --min-confidence nan --output " + (case_dir("k2") / "out.npz").string();
       }, 1, "--min-confidence: must be between 0 and 1"},
      {"min_confidence_two", [] {
         return "lift --model " + ws().ckpt.string() + " --input " + ws().csv.string() + " --format h36m16 --width 1000 " +
                "--height 1000 --min-confidence 2 --output " + (case_dir("k3") / "out.npz").string();
       }, 1, "--min-confidence: must be between 0 and 1"},
      // ---- bounds
      {"train_with_a_hundred_million_layers",
       [] { return "train --model hoif --data " + ws().data.string() + " --num-layers 100000000 --checkpoint " + (case_dir("b1") / "r").string(); },
       1, "--hid-dim/--num-layers: a hoif of width 64 and 100000000 layers"},
      {"import_weights_with_a_huge_width",
       [] {
         return "import-weights --model semgcn --hid-dim 2000000 --weights " + (case_dir("b2") / "none.npz").string() +
                " --out " + (case_dir("b2") / "o.ckpt").string();
       },
       1, "--hid-dim/--num-layers"},
      {"import_weights_with_a_negative_width",
       [] {
         return "import-weights --model hoif --hid-dim -8 --weights " + (case_dir("b3") / "none.npz").string() + " --out " +
                (case_dir("b3") / "o.ckpt").string();
       },
       1, "--hid-dim: must be positive"},
      // ---- messages
      {"train_lr_nan", [] { return "train --model hoif --data " + ws().data.string() + " --lr nan --checkpoint " + (case_dir("m1") / "r").string(); },
       1, "--lr: must be a positive number"},
      {"train_lr_negative_before_the_data_and_without_a_run_folder",
       [] { return "train --model hoif --data /nonexistent --lr -1 --checkpoint " + (case_dir("m2") / "r").string(); }, 1,
       "--lr: must be a positive number"},
      {"info_on_a_run_folder", [] { return "info " + ws().run.string(); }, 1, "is a folder; give a checkpoint file in it"},
      {"viz_fps_zero", [] { return "viz --poses3d x.npz --fps 0 --output " + (case_dir("v1") / "a.gif").string(); }, 1,
       "--fps: must be a frame rate above 0"},
      {"viz_fps_nan", [] { return "viz --poses3d x.npz --fps nan --output " + (case_dir("v2") / "a.gif").string(); }, 1,
       "--fps: must be a frame rate above 0"},
      {"viz_fps_negative", [] { return "viz --poses3d x.npz --fps -5 --output " + (case_dir("v3") / "a.gif").string(); }, 1,
       "--fps: must be a frame rate above 0"},
      {"viz_limit_negative", [] { return "viz --poses3d x.npz --limit -1 --output " + (case_dir("v4") / "a.gif").string(); },
       1, "--limit: must be 0"},
      {"export_motion_to_a_name_not_bvh",
       [] { return "export-motion " + (ws().dir / "lifted.npz").string() + " --output " + (case_dir("bvh1") / "a.txt").string(); },
       1, "name it .bvh or .glb"},
      {"export_motion_of_a_person_not_there",
       [] {
         return "export-motion " + (ws().dir / "lifted.npz").string() + " --person 3 --output " + (case_dir("bvh2") / "a.bvh").string();
       },
       1, "--person: 3 has no poses"},
      {"mistyped_option", [] { return "lift --modle x.ckpt --input k.csv"; }, 2,
       "lift: unknown option '--modle' (did you mean --model?)"},
      // Found by the checkpoint fuzzer: a string's declared length of ~2 GB in data.pkl (checksums
      // intact) made LibTorch's unpickler allocate and zero it, 25 s, before failing.
      {"checkpoint_with_a_forged_pickle_length",
       info_on_fixture("forged_pickle_length.ckpt"), 1,
       "forged_pickle_length.ckpt: corrupt: a pickled value is longer than the pickle"},
      // Found by the checkpoint fuzzer: a mutated class declaration in the archive's code/ made
      // LibTorch's TorchScript parser crash (segmentation fault).
      {"checkpoint_with_malformed_archive_code",
       info_on_fixture("malformed_archive_code.ckpt"), 1,
       "malformed_archive_code.ckpt: corrupt: its archive code is not what hoif writes"},
      // Found by the checkpoint fuzzer: forged end records (checksums intact) made libzip see no
      // entries while LibTorch's reader saw the whole archive, unchecked: it crashed in TorchScript's
      // type parser or allocated gigabytes. LibTorch now reads only a zip rebuilt from what libzip
      // read and hoif checked.
      {"checkpoint_with_a_forged_end_record",
       info_on_fixture("forged_end_record.ckpt"), 1,
       "forged_end_record.ckpt: not a hoif checkpoint (a zip without entries)"},
      // Found by the checkpoint fuzzer: two entries of one name (checksums intact), which libzip and
      // LibTorch's reader resolved differently; LibTorch's unpickler then took seconds and gigabytes.
      {"checkpoint_with_two_entries_of_one_name",
       info_on_fixture("duplicate_entry.ckpt"), 1,
       "duplicate_entry.ckpt: not a hoif checkpoint (truncated, corrupt or another format)"},
  };
  return table;
}

class HostileInput : public ::testing::TestWithParam<size_t> {};

}  // namespace

TEST_P(HostileInput, OneClearLineAnExitCodeAndNoFileHurt) {
  const Case& c = cases()[GetParam()];
  if (std::string(c.name).rfind("checkpoint_", 0) == 0 && std::system("/usr/bin/python3 -c '' 2>/dev/null") != 0)
    GTEST_SKIP() << "python3 is needed to forge the checkpoint";
  const std::string args = c.args();
  std::vector<std::pair<fs::path, std::string>> before;
  for (const fs::path& p : c.kept()) before.emplace_back(p, slurp(p));
  const CliRun r = run(args);
  EXPECT_EQ(r.exit_code, c.exit_code) << args << "\n" << r.out << r.err;
  EXPECT_NE(r.err.find(c.message), std::string::npos) << "missing '" << c.message << "' in: " << r.err;
  // One error line, the last (a warning may precede it, such as joints taken as missing).
  if (c.exit_code != 0) {
    const std::string last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
    EXPECT_EQ(r.err.find("error:"), r.err.rfind("error:")) << r.err;
    EXPECT_NE(last.find("error: "), std::string::npos) << r.err;
  }
  for (const auto& [path, bytes] : before) EXPECT_TRUE(slurp(path) == bytes) << path << " was changed";
  // No temporary file left behind in the case's folder.
  if (fs::exists(ws().dir / "cases" / c.name)) {
    for (const auto& e : fs::recursive_directory_iterator(ws().dir / "cases" / c.name))
      EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, HostileInput, ::testing::Range<size_t>(0, cases().size()),
                         [](const auto& info) { return std::string(cases()[info.param].name); });

TEST(HostileInput, ABadLearningRateLeavesNoRunFolder) {
  const fs::path dir = case_dir("m2");
  EXPECT_EQ(run("train --model hoif --data " + ws().data.string() + " --lr -1 --checkpoint " + (dir / "r2").string()).exit_code, 1);
  EXPECT_FALSE(fs::exists(dir / "r2"));
}

// A write past the file size limit (ulimit -f, SIGXFSZ) or onto a full disk: one error line, no
// temporary left, the previous file intact.
TEST(HostileOutput, AFileSizeLimitWhileSavingLeavesTheOldFileAndNoTemporary) {
  const fs::path dir = case_dir("fsize");
  const fs::path out = dir / "weights.ckpt";
  std::ofstream(out) << "the previous file";
  for (const std::string flag : {"--weights-only", "--torchscript"}) {
    const std::string cmd = "ulimit -f 4; " + std::string(HOIF_BINARY) + " export " + ws().ckpt.string() + " " + flag + " " +
                            out.string() + " 2>" + (dir / "err").string();
    const int status = std::system(("bash -c '" + cmd + "'").c_str());
    EXPECT_EQ(WEXITSTATUS(status), 1) << flag;
    const std::string err = slurp(dir / "err");
    EXPECT_NE(err.find("File too large"), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(slurp(out), "the previous file");
    for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos);
  }
}

TEST(HostileOutput, TrainingUnderAFileSizeLimitFailsCleanly) {
  const fs::path dir = case_dir("fsize_train");
  const std::string cmd = "ulimit -f 8; " + std::string(HOIF_BINARY) + " train --model hoif --data " + ws().data.string() +
                          " --epochs 1 --batch-size 8 --threads 1 --checkpoint " + (dir / "r").string() + " >/dev/null 2>" +
                          (dir / "err").string();
  const int status = std::system(("bash -c '" + cmd + "'").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string err = slurp(dir / "err");
  EXPECT_NE(err.find("last.ckpt: cannot write the file: File too large"), std::string::npos) << err;
  for (const auto& e : fs::directory_iterator(dir / "r")) EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos);
}

// Far-off keypoints among good ones are taken as missing, said in one warning line, and filled.
TEST(HostileInput, AFewKeypointsFarOffTheImageAreMissingWithAWarning) {
  const fs::path dir = case_dir("far_few");
  std::ofstream out(dir / "k.csv");
  for (int frame = 0; frame < 3; ++frame) {
    for (int j = 0; j < 16; ++j) out << (j ? "," : "") << (frame == 1 && j == 5 ? "-1000000" : std::to_string(400 + 10 * j)) << "," << 300 + 20 * j;
    out << "\n";
  }
  out.close();
  const CliRun r = run("lift --model " + ws().ckpt.string() + " --input " + (dir / "k.csv").string() +
                       " --format h36m16 --width 1000 --height 1000 --threads 100000 --output " + (dir / "o.npz").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 keypoint(s) lie more than one image size outside the 1000x1000 image"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("note: --threads 100000 is more than this machine's"), std::string::npos) << r.err;
}

// Every npz hoif writes loads in numpy with allow_pickle=False, string arrays as numpy unicode.
TEST(HostileOutput, NpzFilesLoadWithoutPickle) {
  if (!have_python_numpy()) GTEST_SKIP() << "numpy is needed";
  const fs::path dir = case_dir("npz");
  ASSERT_EQ(run("evaluate " + ws().ckpt.string() + " --export " + (dir / "preds.npz").string()).exit_code, 0);
  ASSERT_EQ(run("lift --model " + ws().ckpt.string() + " --input " + ws().csv.string() +
                " --format h36m16 --width 1000 --height 1000 --output " + (dir / "lifted.npz").string())
                .exit_code,
            0);
  for (const char* f : {"preds.npz", "lifted.npz"})
    EXPECT_EQ(python("import numpy as np\nd = np.load('" + (dir / f).string() + "', allow_pickle=False)\n"
                     "[d[k] for k in d.files]\nassert d['joint_names'].dtype.kind == 'U', d['joint_names'].dtype\n"
                     "assert list(d['joint_names'])[:2] == ['Hip', 'RHip'], list(d['joint_names'])"),
              0)
        << f;
}

// MMPose's frame_id numbers are kept in the lifted output.
TEST(HostileInput, MmposeFrameIdsAreKept) {
  if (!have_python_numpy()) GTEST_SKIP() << "numpy is needed";
  const fs::path dir = case_dir("frame_id");
  std::ofstream out(dir / "mm.json");
  out << "{\"instance_info\": [";
  for (int f = 0; f < 2; ++f) {
    out << (f ? "," : "") << "{\"frame_id\": " << 7 + 3 * f << ", \"instances\": [{\"keypoints\": [";
    for (int j = 0; j < 17; ++j) out << (j ? "," : "") << "[" << 400 + 10 * j << "," << 300 + 20 * j << "]";
    out << "], \"keypoint_scores\": [";
    for (int j = 0; j < 17; ++j) out << (j ? "," : "") << "0.9";
    out << "]}]}";
  }
  out << "]}";
  out.close();
  const CliRun r = run("lift --model " + ws().ckpt.string() + " --input " + (dir / "mm.json").string() +
                       " --format coco17 --width 1000 --height 1000 --output " + (dir / "o.npz").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(python("import numpy as np\nd = np.load('" + (dir / "o.npz").string() + "')\nassert list(d['frame']) == [7, 10], d['frame']"), 0);
}

// An archive linked together with symlinks (cp -rs), one file a real copy and one subject folder a
// link: every take is found.
TEST(HostileInput, ASymlinkedArchiveKeepsEveryTake) {
  const fs::path dir = case_dir("symlinked");
  fs::remove_all(dir / "h36m");
  ASSERT_EQ(std::system(("cp -rs " + ws().data.string() + " " + (dir / "h36m").string()).c_str()), 0);
  const fs::path take = dir / "h36m" / "S1" / "MyPoses" / "3D_positions" / "Walking.h5";
  fs::remove(take);
  fs::copy_file(ws().data / "S1" / "MyPoses" / "3D_positions" / "Walking.h5", take);
  fs::remove_all(dir / "h36m" / "S9");
  fs::create_directory_symlink(ws().data / "S9", dir / "h36m" / "S9");
  const CliRun linked = run("data info --data " + (dir / "h36m").string() + " --keypoints gt");
  const CliRun original = run("data info --data " + ws().data.string() + " --keypoints gt");
  ASSERT_EQ(linked.exit_code, 0) << linked.err;
  auto totals = [](const std::string& out) { return out.substr(out.find("train:")); };
  EXPECT_EQ(totals(linked.out), totals(original.out));
}

// Two Ctrl-C in a row (as a shell or `timeout` may send) still save a resumable checkpoint.
TEST(HostileInput, TwoInterruptsInARowStillSave) {
  const fs::path dir = case_dir("two_sigints"), ck = dir / "r", log = dir / "out";
  const std::string cmd = "(" + std::string(HOIF_BINARY) + " train --model hgcn --data " + ws().data.string() +
                          " --epochs 100000 --hid-dim 8 --batch-size 4 --threads 1 --checkpoint " + ck.string() + " > " +
                          log.string() + " 2>&1 & pid=$!; for i in $(seq 1200); do grep -q 'epoch   1' " + log.string() +
                          " && break; sleep 0.1; done; kill -INT $pid; kill -INT $pid; wait $pid)";
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_NE(slurp(log).find("stopped (interrupted)"), std::string::npos) << slurp(log);
  EXPECT_EQ(run("info " + (ck / "last.ckpt").string()).exit_code, 0);
}

// Lifted motion as BVH, straight from lift or from its npz, with the root walking its path.
TEST(Motion, LiftAndExportMotionWriteBvh) {
  const fs::path dir = case_dir("bvh_ok");
  const CliRun l = run("lift --model " + ws().ckpt.string() + " --input " + ws().csv.string() +
                       " --format h36m16 --width 1000 --height 1000 --fps 25 --output " + (dir / "direct.bvh").string());
  ASSERT_EQ(l.exit_code, 0) << l.err;
  const CliRun e = run("export-motion " + (ws().dir / "lifted.npz").string() + " --root-path --output " + (dir / "path.bvh").string());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("3 frames at 50 fps, 16 joints"), std::string::npos) << e.out;
  const std::string direct = slurp(dir / "direct.bvh"), path = slurp(dir / "path.bvh");
  EXPECT_EQ(direct.rfind("HIERARCHY\nROOT Hip\n", 0), 0u);
  EXPECT_NE(direct.find("Frames: 3\nFrame Time: 0.04000000\n"), std::string::npos);
  // Without a root path the Hip stays at the origin; with one it is in front of the camera (BVH: -Z).
  const auto root_z = [](const std::string& bvh) {  // the third value of the first frame's line
    std::istringstream motion(bvh.substr(bvh.find("Frame Time:")));
    std::string line;
    std::getline(motion, line);
    double x = 0, y = 0, z = 0;
    motion >> x >> y >> z;
    return z;
  };
  EXPECT_EQ(root_z(direct), 0.0);
  EXPECT_LT(root_z(path), 0.0);
  const CliRun g = run("export-motion " + (ws().dir / "lifted.npz").string() + " --output " + (dir / "clip.glb").string());
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(slurp(dir / "clip.glb").substr(0, 4), "glTF");
}
