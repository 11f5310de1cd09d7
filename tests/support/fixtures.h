#pragma once
// Small data sets that the tests build themselves: a miniature Human3.6M archive (HDF5 files in
// the 3d-pose-baseline layout) with hand-chosen cameras and poses whose projections are known.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "hoif/core/array.h"
#include "hoif/geometry/camera.h"

namespace hoif::test {

std::filesystem::path temp_dir(const std::string& name);
std::filesystem::path fixture_path(const std::string& name);  // tests/fixtures/<name>
std::string h36m_root();  // $HOIF_H36M, else ../shared/h36m beside the checkout ("" if absent)

void write_h5(const std::filesystem::path& file, const std::string& dataset, const std::vector<int64_t>& dims,
              const std::vector<double>& values, bool as_float32_gzip);

// The mini archive: S1 takes "Walking" (5 frames) and "Eating 2" (3 frames), S9 "Walking 1"
// (4 frames), cameras for subject1 and subject9, and Stacked Hourglass files for S1 Walking
// (6 frames, one more than the mocap) holding (k + 1000 c + 10000 f, 100 + k) for MPII joint k,
// camera c, frame f.
struct MiniArchive {
  std::filesystem::path root;
  static constexpr int s1_walking_frames = 5, s1_eating_frames = 3, s9_walking_frames = 4;
};
MiniArchive make_mini_archive(const std::filesystem::path& root, bool float64);

// A scratch folder `dir` (temp_dir(name)) with a float32 mini archive in dir/h36m, made on the
// first call with this name in a test program: the runs of one test file share it.
struct MiniWorkspace {
  std::filesystem::path dir, data;
};
const MiniWorkspace& mini_workspace(const std::string& name);

// World position (metres) of mocap joint j (0..31) at frame f of the mini archive.
Eigen::Vector3d mini_joint(int subject, int take, int frame, int joint);
// Camera c of the mini archive (camera 0: R = I, T = (0, 0, -5) m, no distortion).
Camera mini_camera(int camera);
// A 1000 x 1000 pinhole camera at the world's origin, looking along its axes (R = I): f = 1000 px,
// principal point (500, 500), no distortion.
Camera pinhole_camera();

// The message of the hoif::Error that f throws ("" if it throws none).
std::string error_of(const std::function<void()>& f);

// Runs the hoif program (tests define HOIF_BINARY) with `args`, capturing its output.
struct CliRun {
  int exit_code;
  std::string out, err;
};
CliRun run_hoif(const std::string& binary, const std::string& args);

// Zips every file below `folder` under `prefix` into `zip_path`.
void zip_folder(const std::filesystem::path& folder, const std::filesystem::path& zip_path, const std::string& prefix);

}  // namespace hoif::test
