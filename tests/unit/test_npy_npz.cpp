// .npy and .npz against files numpy wrote (tests/fixtures/make_numpy_fixtures.py), round trips,
// numpy reading what hoif writes, and corrupt input.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

#include "fixtures.h"
#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/data/videopose3d.h"
#include "hoif/io/npz.h"
#include "hoif/io/zip.h"

using namespace hoif;
using test::error_of;
namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::vector<uint8_t>& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}


// Debian's python3 with numpy, if installed (setup installs it).
bool have_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

}  // namespace

TEST(Npy, NumericFilesFromNumpy) {
  const NpyContent f8 = parse_npy(read_bytes(test::fixture_path("numpy_f8_2x3.npy")), "f8");
  ASSERT_FALSE(f8.is_object);
  EXPECT_EQ(f8.array.dtype, DType::f8);
  EXPECT_EQ(f8.array.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(f8.array.to_double("f8").values, (std::vector<double>{1.5, -2.0, 3.25, 0.0, 1e-3, 7.0}));
  const NpyContent i4 = parse_npy(read_bytes(test::fixture_path("numpy_i4_vector.npy")), "i4");
  EXPECT_EQ(i4.array.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(i4.array.to_int64("i4"), (std::vector<int64_t>{3, -1, 65536}));
}

TEST(Npy, EncodeIsByteIdenticalToNumpy) {
  const auto original = read_bytes(test::fixture_path("numpy_f8_2x3.npy"));
  const NpyContent parsed = parse_npy(original, "f8");
  EXPECT_EQ(encode_npy(parsed.array), original);
}

TEST(Npy, CorruptHeadersAndData) {
  auto original = read_bytes(test::fixture_path("numpy_f8_2x3.npy"));
  auto err = [](std::vector<uint8_t> b) { return error_of([&] { parse_npy(b, "x.npy"); }); };
  auto bad_magic = original;
  bad_magic[1] = 'X';
  EXPECT_NE(err(bad_magic).find("x.npy: not a .npy file"), std::string::npos);
  auto truncated = original;
  truncated.pop_back();
  EXPECT_NE(err(truncated).find("needs 48 (truncated or corrupt)"), std::string::npos) << err(truncated);
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s(original.begin(), original.end());
    s.replace(s.find(from), from.size(), to);
    return std::vector<uint8_t>(s.begin(), s.end());
  };
  EXPECT_NE(err(replace("'<f8'", "'>f8'")).find("big-endian"), std::string::npos);
  EXPECT_NE(err(replace("'<f8'", "'<c8'")).find("unsupported numpy dtype '<c8'"), std::string::npos);
  EXPECT_NE(err(replace("False", "True ")).find("Fortran"), std::string::npos);
  EXPECT_NE(err(replace("(2, 3)", "(2, x)")).find("npy header"), std::string::npos);
  EXPECT_NE(err(std::vector<uint8_t>(original.begin(), original.begin() + 30)).find("truncated .npy header"), std::string::npos);
}

TEST(Npz, ThreeDimensionalPositionsFromNumpy) {
  const TakePoses p = read_positions_3d(test::fixture_path("numpy_3d.npz").string());
  ASSERT_EQ(p.size(), 2u);
  const ArrayF& walking = p.at("S1").at("Walking");
  EXPECT_EQ(walking.shape, (std::vector<int64_t>{2, 32, 3}));
  EXPECT_FLOAT_EQ(walking.values[191], 1.91f);  // arange / 100
  EXPECT_FLOAT_EQ(p.at("S1").at("Eating 2").values[0], 0.5f);
  const ArrayF& s9 = p.at("S9").at("Walking 1");  // float64 in the file
  EXPECT_FLOAT_EQ(s9.values[5], -0.005f);
}

TEST(Npz, KeypointsFromNumpyWithNumpyScalarMetadata) {
  const Keypoints2D k = read_keypoints_2d(test::fixture_path("numpy_2d_uncompressed.npz").string());
  EXPECT_EQ(k.num_joints, 17);
  EXPECT_EQ(k.layout_name, "h36m");
  EXPECT_EQ(k.joints_left, (std::vector<int>{4, 5, 6, 11, 12, 13}));
  EXPECT_EQ(k.joints_right, (std::vector<int>{1, 2, 3, 14, 15, 16}));
  const auto& cams = k.positions.at("S1").at("Walking");
  ASSERT_EQ(cams.size(), 4u);
  EXPECT_EQ(cams[2].shape, (std::vector<int64_t>{2, 17, 2}));
  EXPECT_FLOAT_EQ(cams[2].values[7], 207.0f);  // arange + 100 * camera
}

TEST(Npz, Protocol2PicklesOfOlderNumpy) {
  const Keypoints2D k = read_keypoints_2d(test::fixture_path("numpy_2d_protocol2.npz").string());
  EXPECT_EQ(k.num_joints, 17);
  const auto& cams = k.positions.at("S9").at("Posing 1");
  ASSERT_EQ(cams.size(), 4u);
  EXPECT_EQ(cams[3].shape, (std::vector<int64_t>{3, 17, 2}));
  EXPECT_FLOAT_EQ(cams[3].values[101], 30.5f);
}

TEST(Npz, KeypointsRoundTrip) {
  Keypoints2D k;
  k.layout_name = "h36m16";
  k.num_joints = 16;
  k.joints_left = {4, 5, 6, 10, 11, 12};
  k.joints_right = {1, 2, 3, 13, 14, 15};
  for (int c = 0; c < 4; ++c) {
    ArrayF a({3, 16, 2});
    for (size_t i = 0; i < a.values.size(); ++i) a.values[i] = 0.5f * static_cast<float>(i) + static_cast<float>(c);
    k.positions["S9"]["Sitting 1"].push_back(a);
  }
  const fs::path dir = test::temp_dir("npz_roundtrip");
  write_keypoints_2d((dir / "kp.npz").string(), k);
  const Keypoints2D back = read_keypoints_2d((dir / "kp.npz").string());
  EXPECT_EQ(back.layout_name, "h36m16");
  EXPECT_EQ(back.joints_right, k.joints_right);
  EXPECT_EQ(back.positions.at("S9").at("Sitting 1")[3].values, k.positions["S9"]["Sitting 1"][3].values);
}

TEST(Npz, NumpyLoadsWhatHoifWrites) {
  if (!have_numpy()) GTEST_SKIP() << "Debian's python3-numpy is not installed (scripts/setup.sh installs it)";
  const fs::path dir = test::temp_dir("npz_numpy");
  TakePoses p;
  ArrayF a({2, 32, 3});
  for (size_t i = 0; i < a.values.size(); ++i) a.values[i] = static_cast<float>(i) / 8.0f;
  p["S11"]["Walking 1"] = a;
  write_positions_3d((dir / "data_3d_h36m.npz").string(), p);
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np; d = np.load('" + (dir / "data_3d_h36m.npz").string() +
                          "', allow_pickle=True)['positions_3d'].item(); a = d['S11']['Walking 1']; "
                          "assert a.dtype == np.float32 and a.shape == (2, 32, 3); "
                          "assert (a.ravel() == np.arange(192, dtype=np.float32) / 8).all()\"";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(Npz, TruncatedAndCorruptFiles) {
  const fs::path dir = test::temp_dir("npz_corrupt");
  const auto bytes = read_bytes(test::fixture_path("numpy_3d.npz"));
  write_bytes(dir / "truncated.npz", std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() / 2)));
  EXPECT_NE(error_of([&] { read_positions_3d((dir / "truncated.npz").string()); }).find("truncated.npz: not a zip file"),
            std::string::npos);
  // Flip a byte inside the compressed stream: the CRC or inflate must catch it.
  auto flipped = bytes;
  flipped[200] ^= 0x5a;
  write_bytes(dir / "flipped.npz", flipped);
  const std::string err = error_of([&] { read_positions_3d((dir / "flipped.npz").string()); });
  EXPECT_NE(err.find("flipped.npz"), std::string::npos) << err;
  EXPECT_NE(error_of([&] { read_positions_3d((dir / "missing.npz").string()); }).find("missing.npz: no such file"),
            std::string::npos);
  // A 2D file where a 3D file is expected.
  EXPECT_NE(error_of([&] { read_positions_3d(test::fixture_path("numpy_2d_uncompressed.npz").string()); })
                .find("has no array named 'positions_3d'"),
            std::string::npos);
}

TEST(Npz, WrongShapesAndNaN) {
  const fs::path dir = test::temp_dir("npz_shapes");
  TakePoses p;
  p["S1"]["Walking"] = ArrayF({2, 17, 3});
  write_positions_3d((dir / "17.npz").string(), p);
  EXPECT_NE(error_of([&] { read_positions_3d((dir / "17.npz").string()); }).find("['S1']['Walking']: expected an (N, 32, 3)"),
            std::string::npos);
  p["S1"]["Walking"] = ArrayF({2, 32, 3});
  p["S1"]["Walking"].values[7] = std::nanf("");
  write_positions_3d((dir / "nan.npz").string(), p);
  EXPECT_NE(error_of([&] { read_positions_3d((dir / "nan.npz").string()); }).find("NaN"), std::string::npos);
}

TEST(AtomicFile, AFailedWriteLeavesTheOldFileAndNoTemporary) {
  const fs::path dir = test::temp_dir("atomic");
  const fs::path target = dir / "kept.npz";
  write_bytes(target, {1, 2, 3});
  EXPECT_THROW(write_atomically(target,
                                [](const fs::path& tmp) {
                                  write_bytes(tmp, {9, 9});
                                  throw Error("disk full");
                                }),
               Error);
  EXPECT_EQ(read_bytes(target), (std::vector<uint8_t>{1, 2, 3}));
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  write_atomically(target, [](const fs::path& tmp) { write_bytes(tmp, {4}); });
  EXPECT_EQ(read_bytes(target), (std::vector<uint8_t>{4}));
}

TEST(AtomicFile, TheFileGetsTheModeOfANewFileWhateverTheWriterCreatedItWith) {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  const fs::path target = test::temp_dir("atomic_mode") / "out.gif";
  // giflib creates its files 0600; the user should get what any new file gets.
  write_atomically(target, [](const fs::path& tmp) {
    write_bytes(tmp, {1});
    fs::permissions(tmp, fs::perms::owner_read);
  });
  EXPECT_EQ(static_cast<mode_t>(fs::status(target).permissions()), 0666 & ~mask);
}

// Strings are written as numpy unicode ('<U<n>': n UTF-32 code points per string, NUL-padded),
// which numpy loads without allow_pickle; written by hand here from numpy's format description.
TEST(Npy, StringsAreUnicodeArraysByteForByte) {
  const std::vector<uint8_t> bytes = encode_npy_strings({"ab", "c"});
  const std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  EXPECT_NE(text.find("'descr': '<U2'"), std::string::npos) << text;
  EXPECT_NE(text.find("'shape': (2,)"), std::string::npos) << text;
  const std::string payload("a\0\0\0b\0\0\0c\0\0\0\0\0\0\0", 16);
  EXPECT_EQ(text.substr(text.size() - 16), payload);
  // Non-ASCII names survive (two- and four-byte UTF-8), and so does an empty string.
  const std::vector<std::string> names = {"Caf\xc3\xa9", "", "\xf0\x9d\x84\x9e clef", "Hip"};
  const NpyContent back = parse_npy(encode_npy_strings(names), "names");
  EXPECT_TRUE(back.is_unicode);
  EXPECT_EQ(decode_npy_strings(back, "names"), names);
}

TEST(Npy, ObjectArraysOfStringsWrittenBeforeStillRead) {
  py::Document d;
  std::vector<int> items = {d.add_str("S9"), d.add_str("S11")};
  d.root = d.add_object_array({2}, items);
  EXPECT_EQ(decode_npy_strings(parse_npy(encode_npy_object(d), "old"), "old"), (std::vector<std::string>{"S9", "S11"}));
}

TEST(Npy, BooleanArraysAreNotNumbers) {
  NdArray a;
  a.dtype = DType::b1;
  a.shape = {2};
  a.bytes = {1, 0};
  EXPECT_NE(error_of([&] { a.to_float("k.npz:keypoints"); }).find("k.npz:keypoints: is a boolean array"), std::string::npos);
}

TEST(Npz, NumpyLoadsHoifsStringsWithoutPickle) {
  if (!have_numpy()) GTEST_SKIP() << "Debian's python3-numpy is not installed (scripts/setup.sh installs it)";
  const fs::path path = test::temp_dir("npz_unicode") / "names.npz";
  write_npz(path.string(), {{"joint_names", encode_npy_strings({"Hip", "Caf\xc3\xa9"})}});
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np; n = np.load('" + path.string() +
                          "', allow_pickle=False)['joint_names']; assert n.dtype == np.dtype('<U4'), n.dtype; "
                          "assert list(n) == ['Hip', 'Caf\\u00e9'], list(n)\"";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// A failed write (here: past a file size limit, as a full disk) is one error naming the file and
// the reason; the old file stays and no temporary is left.
TEST(AtomicFile, WriteFileAtomicallyReportsTheSystemsReason) {
  const fs::path dir = test::temp_dir("atomic_efbig");
  const fs::path target = dir / "big.bin";
  write_bytes(target, {7});
  struct rlimit old {};
  getrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 1024;
  setrlimit(RLIMIT_FSIZE, &small);
  const std::string err = error_of([&] { write_file_atomically(target, std::string(4096, 'x')); });
  setrlimit(RLIMIT_FSIZE, &old);
  EXPECT_NE(err.find("big.bin: cannot write the file: File too large"), std::string::npos) << err;
  EXPECT_EQ(read_bytes(target), (std::vector<uint8_t>{7}));
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}

// Outputs are checked against inputs before any work: the same file under another name (a
// symlink, a hard link, another spelling) is refused, with both flags named.
TEST(OutputPaths, AnOutputThatIsAnInputIsRefusedUnderAnyName) {
  const fs::path dir = test::temp_dir("output_paths");
  write_bytes(dir / "model.ckpt", {1});
  fs::remove(dir / "link.json");
  fs::create_symlink(dir / "model.ckpt", dir / "link.json");
  fs::remove(dir / "hard.json");
  fs::create_hard_link(dir / "model.ckpt", dir / "hard.json");
  const std::vector<NamedPath> inputs = {{"the checkpoint", (dir / "model.ckpt").string()}};
  for (const fs::path& out : {dir / "link.json", dir / "hard.json", dir / "." / "model.ckpt"})
    EXPECT_NE(error_of([&] { check_output_paths(inputs, {{"--json", out.string()}}); })
                  .find("--json: '" + out.string() + "' is the same file as the checkpoint '"),
              std::string::npos)
        << out;
  EXPECT_EQ(error_of([&] { check_output_paths(inputs, {{"--json", (dir / "new" / "eval.json").string()}}); }), "");
  EXPECT_NE(error_of([&] { check_output_paths(inputs, {{"--json", dir.string()}}); }).find("is a folder"), std::string::npos);
  EXPECT_NE(error_of([&] { check_output_paths(inputs, {{"--out", (dir / "model.ckpt").string(), true}}); }).find("same file"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              check_output_paths({}, {{"--onnx", (dir / "m.x").string()}, {"--torchscript", (dir / "." / "m.x").string()}});
            }).find("--torchscript: '" + (dir / "." / "m.x").string() + "' is also given to --onnx"),
            std::string::npos);
  // Relative names in folders yet to be made are fine (created on writing).
  EXPECT_EQ(error_of([&] { check_output_paths({}, {{"--output", "frames_not_there", true}, {"--json", "new_folder/x.json"}}); }), "");
  EXPECT_NE(error_of([&] { check_output_paths({}, {{"--json", (dir / "model.ckpt" / "x.json").string()}}); })
                .find("is not a folder"),
            std::string::npos);
}

TEST(Zip, EntriesAroundTheReadChunkRoundTrip) {
  // The reader grows its buffer at most 1 MiB at a time: sizes around that step, stored and deflated.
  const fs::path dir = test::temp_dir("zip_sizes");
  const size_t mib = size_t(1) << 20;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> entries;
  for (const size_t n : {size_t(0), size_t(1), mib - 1, mib, mib + 1, 3 * mib + 5}) {
    std::vector<uint8_t> bytes(n);
    for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
    entries.push_back({"e" + std::to_string(n), std::move(bytes)});
  }
  for (const Compression c : {Compression::store, Compression::fast}) {
    const fs::path path = dir / (c == Compression::store ? "stored.zip" : "deflated.zip");
    write_zip(path.string(), entries, c);
    const ZipReader zip(path.string());
    for (const auto& [name, bytes] : entries) EXPECT_EQ(zip.read(name), bytes) << name;
    EXPECT_NE(error_of([&] { zip.read("e" + std::to_string(3 * mib + 5), mib); }).find("entry too large"), std::string::npos);
  }
}

TEST(Zip, InMemoryZipReadsBackAndTwoEntriesOfOneNameAreRefused) {
  const ZipEntries entries = {{"a.bin", {1, 2, 3}}, {"b.bin", {}}, {"c/d.bin", std::vector<uint8_t>(1000, 7)}};
  const std::string bytes = zip_in_memory(entries, "memory");
  const ZipReader zip(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "memory");
  EXPECT_EQ(zip.entries(), (std::vector<std::string>{"a.bin", "b.bin", "c/d.bin"}));
  for (const auto& [name, content] : entries) EXPECT_EQ(zip.read(name), content) << name;

  // The central directory comes last: renaming its "b.bin" to "a.bin" gives two entries of one name,
  // which readers resolve differently (libzip takes the first, Python's zipfile the last).
  std::string forged = bytes;
  const size_t at = forged.rfind("b.bin");
  ASSERT_NE(at, forged.find("b.bin"));  // the local header's name comes first
  forged.replace(at, 5, "a.bin");
  const std::string error =
      error_of([&] { ZipReader(reinterpret_cast<const uint8_t*>(forged.data()), forged.size(), "forged.zip"); });
  EXPECT_NE(error.find("forged.zip: corrupt: the entry 'a.bin' appears twice"), std::string::npos) << error;
}
