// hoif prepare-data: the Human3.6M archive to VideoPose3D-layout npz files.
#include <chrono>
#include <filesystem>
#include <future>

#include <fmt/format.h>

#include "commands.h"
#include "hoif/core/error.h"
#include "hoif/core/output_paths.h"
#include "hoif/data/archive.h"
#include "hoif/data/h36m.h"
#include "hoif/data/keypoints.h"
#include "hoif/data/videopose3d.h"

namespace hoif::cli {

namespace {

struct PrepareOptions {
  std::string archive;
  std::string out = "data";
};

void print_inventory(const Mocap& mocap) {
  int64_t total_frames = 0;
  fmt::print("{:<5} {:<5} {:>5} {:>9}\n", "subj", "split", "takes", "frames");
  for (const auto& subject : h36m_subjects()) {
    auto it = mocap.positions.find(subject);
    if (it == mocap.positions.end()) continue;
    int64_t frames = 0;
    for (const auto& [take, poses] : it->second) frames += poses.dim(0);
    total_frames += frames;
    fmt::print("{:<5} {:<5} {:>5} {:>9}\n", subject, is_test_subject(subject) ? "test" : "train", it->second.size(), frames);
  }
  fmt::print("{} mocap frames (x4 cameras = {} poses); S11 'Directions' excluded by the protocol\n", total_frames,
             4 * total_frames);
  const auto absent = mocap.absent_takes();
  if (absent.empty()) {
    fmt::print("absent takes: none\n");
  } else {
    fmt::print("absent takes ({}):", absent.size());
    for (const auto& [s, t] : absent) fmt::print(" {} '{}';", s, t);
    fmt::print("\n");
  }
}

void run(const PrepareOptions& o) {
  namespace fs = std::filesystem;
  const auto start = std::chrono::steady_clock::now();
  check_output_paths({{"--from-archive", o.archive}}, {{"--out", o.out, true}});
  H36mArchive archive(o.archive);
  const Mocap mocap = archive.load_mocap();
  fmt::print("Human3.6M archive: {}\n", o.archive);
  print_inventory(mocap);

  fs::create_directories(o.out);
  const fs::path out(o.out);
  write_cameras_json((out / "cameras.json").string(), mocap.cameras);
  Keypoints2D sh = archive_detections(archive);
  // The four files are independent: encode and compress them on separate threads. GT 2D pixel
  // coordinates barely compress (about 15%), so they are stored, which keeps this step fast.
  std::vector<std::future<std::string>> jobs;
  jobs.push_back(std::async(std::launch::async, [&] {
    write_positions_3d((out / "data_3d_h36m.npz").string(), mocap.positions);
    return std::string("data_3d_h36m.npz         3D mocap, 32 joints, world frame, metres");
  }));
  jobs.push_back(std::async(std::launch::async, [&] {
    write_keypoints_2d((out / "data_2d_h36m_gt.npz").string(), project_ground_truth(mocap, 17), Compression::store);
    return std::string("data_2d_h36m_gt.npz      GT 2D, 17 joints (VideoPose3D), pixels");
  }));
  jobs.push_back(std::async(std::launch::async, [&] {
    write_keypoints_2d((out / "data_2d_h36m_gt16.npz").string(), project_ground_truth(mocap, 16), Compression::store);
    return std::string("data_2d_h36m_gt16.npz    GT 2D, 16 joints (SemGCN, HGCN, HOIF-Net), pixels");
  }));
  if (!sh.positions.empty())
    jobs.push_back(std::async(std::launch::async, [&] {
      write_keypoints_2d((out / "data_2d_h36m_sh_pt_mpii.npz").string(), sh);
      return std::string("data_2d_h36m_sh_pt_mpii.npz  Stacked Hourglass 2D, 16 joints in H3.6M order, pixels");
    }));
  std::string first_error;
  for (auto& job : jobs) {
    try {
      fmt::print("wrote {}\n", job.get());
    } catch (const std::exception& e) {
      if (first_error.empty()) first_error = e.what();
    }
  }
  if (!first_error.empty()) throw Error(first_error);
  fmt::print("wrote cameras.json            camera calibration for every subject\n");
  fmt::print("in {}: done in {:.1f} s\n", o.out,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace

void register_prepare_data(CLI::App& app) {
  auto opts = std::make_shared<PrepareOptions>();
  CLI::App* cmd = app.add_subcommand(
      "prepare-data", "Convert the Human3.6M archive (folder or h36m.zip) to VideoPose3D-layout npz files");
  cmd->add_option("--from-archive", opts->archive, "The archive: h36m.zip or the folder it unpacks to")->required();
  cmd->add_option("--out", opts->out, "Output folder")->capture_default_str();
  cmd->callback([opts] { run(*opts); });
}

}  // namespace hoif::cli
