#include "fixtures.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>

#include "hoif/core/error.h"
#include "hoif/io/zip.h"

namespace hoif::test {

namespace fs = std::filesystem;

namespace {

// Every test process writes under its own folder, which it removes when its tests end.
fs::path scratch_root() { return fs::temp_directory_path() / ("hoif_test_" + std::to_string(::getpid())); }

class ScratchCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(scratch_root(), ignored);
  }
};
[[maybe_unused]] ::testing::Environment* const scratch_cleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

}  // namespace

fs::path temp_dir(const std::string& name) {
  fs::path p = scratch_root() / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

fs::path fixture_path(const std::string& name) { return fs::path(HOIF_SOURCE_DIR) / "tests" / "fixtures" / name; }

std::string h36m_root() {
  if (const char* env = std::getenv("HOIF_H36M")) return fs::exists(env) ? env : "";
  const fs::path p = fs::path(HOIF_SOURCE_DIR).parent_path() / "shared" / "h36m";
  return fs::exists(p / "cameras.h5") ? p.string() : "";
}

void write_h5(const fs::path& file, const std::string& dataset, const std::vector<int64_t>& dims,
              const std::vector<double>& values, bool as_float32_gzip) {
  fs::create_directories(file.parent_path());
  hid_t f = fs::exists(file) ? H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)
                             : H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot create " + file.string());
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  std::vector<hsize_t> hd(dims.begin(), dims.end());
  hid_t space = H5Screate_simple(static_cast<int>(hd.size()), hd.data(), nullptr);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (as_float32_gzip) {
    H5Pset_chunk(dcpl, static_cast<int>(hd.size()), hd.data());
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 4);
  }
  hid_t type = as_float32_gzip ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  hid_t ds = H5Dcreate2(f, dataset.c_str(), type, space, lcpl, dcpl, H5P_DEFAULT);
  H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Pclose(lcpl);
  H5Fclose(f);
}

Eigen::Vector3d mini_joint(int subject, int take, int frame, int joint) {
  return {0.01 * joint + 0.001 * frame + 0.1 * take, 0.02 * joint - 0.1 * subject, 0.005 * (joint % 7) + 0.002 * frame};
}

Camera pinhole_camera() {
  Camera cam;
  cam.width = cam.height = 1000;
  cam.f = {1000, 1000};
  cam.c = {500, 500};
  return cam;
}

Camera mini_camera(int c) {
  Camera cam;
  const double angle = 0.3 * c;  // rotation about the optical axis
  cam.R << std::cos(angle), -std::sin(angle), 0, std::sin(angle), std::cos(angle), 0, 0, 0, 1;
  cam.T = {0.2 * c, -0.1 * c, -5.0};
  cam.f = {1100.0 + c, 1120.0 - c};
  cam.c = {500.0 + c, 510.0 - c};
  if (c > 0) {
    cam.k = {-0.2, 0.24, -0.003};
    cam.p = {-0.0014, -0.001 * c};
  }
  set_h36m_camera_constants(cam, c);
  return cam;
}

static void write_take(const fs::path& root, const std::string& subject, int s, int take_index, const std::string& take,
                       int frames, bool float64) {
  std::vector<double> v(static_cast<size_t>(96 * frames));
  for (int j = 0; j < 32; ++j)
    for (int d = 0; d < 3; ++d)
      for (int f = 0; f < frames; ++f) v[static_cast<size_t>((j * 3 + d) * frames + f)] = 1000.0 * mini_joint(s, take_index, f, j)[d];
  write_h5(root / subject / "MyPoses" / "3D_positions" / (take + ".h5"), "3D_positions", {96, frames}, v, !float64);
}

MiniArchive make_mini_archive(const fs::path& root, bool float64) {
  write_take(root, "S1", 1, 0, "Walking", MiniArchive::s1_walking_frames, float64);
  write_take(root, "S1", 1, 1, "Eating 2", MiniArchive::s1_eating_frames, float64);
  write_take(root, "S9", 9, 0, "Walking 1", MiniArchive::s9_walking_frames, float64);
  for (int subject : {1, 9})
    for (int c = 0; c < 4; ++c) {
      const Camera cam = mini_camera(c);
      const std::string g = "subject" + std::to_string(subject) + "/camera" + std::to_string(c + 1) + "/";
      std::vector<double> r_stored(9);  // the archive stores R transposed
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) r_stored[static_cast<size_t>(i * 3 + j)] = cam.R(j, i);
      const fs::path file = root / "cameras.h5";
      write_h5(file, g + "R", {3, 3}, r_stored, false);
      write_h5(file, g + "T", {3, 1}, {cam.T[0] * 1000, cam.T[1] * 1000, cam.T[2] * 1000}, false);
      write_h5(file, g + "f", {2, 1}, {cam.f[0], cam.f[1]}, false);
      write_h5(file, g + "c", {2, 1}, {cam.c[0], cam.c[1]}, false);
      write_h5(file, g + "k", {3, 1}, {cam.k[0], cam.k[1], cam.k[2]}, false);
      write_h5(file, g + "p", {2, 1}, {cam.p[0], cam.p[1]}, false);
      std::vector<double> name;
      for (char ch : std::string(kH36mCameraIds[static_cast<size_t>(c)])) name.push_back(ch);
      write_h5(file, g + "Name", {8, 1}, name, false);
    }
  for (int c = 0; c < 4; ++c) {
    std::vector<double> v;
    for (int f = 0; f < MiniArchive::s1_walking_frames + 1; ++f)
      for (int k = 0; k < 16; ++k) {
        v.push_back(k + 1000.0 * c + 10000.0 * f);
        v.push_back(100 + k);
      }
    write_h5(root / "S1" / "StackedHourglass" / ("Walking." + std::string(kH36mCameraIds[static_cast<size_t>(c)]) + ".h5"),
             "poses", {MiniArchive::s1_walking_frames + 1, 16, 2}, v, true);
  }
  return {root};
}

const MiniWorkspace& mini_workspace(const std::string& name) {
  static std::map<std::string, MiniWorkspace> made;
  if (const auto it = made.find(name); it != made.end()) return it->second;
  const fs::path dir = temp_dir(name);
  make_mini_archive(dir / "h36m", false);
  return made[name] = MiniWorkspace{dir, dir / "h36m"};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

CliRun run_hoif(const std::string& binary, const std::string& args) {
  const fs::path scratch = temp_dir("cli_output");
  const fs::path out = scratch / "stdout", err = scratch / "stderr";
  const int status = std::system((binary + " " + args + " >" + out.string() + " 2>" + err.string()).c_str());
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(out), slurp(err)};
}

void zip_folder(const fs::path& folder, const fs::path& zip_path, const std::string& prefix) {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> entries;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    entries.emplace_back(prefix + fs::relative(e.path(), folder).generic_string(), std::move(bytes));
  }
  write_zip(zip_path.string(), entries, Compression::fast);
}

}  // namespace hoif::test
