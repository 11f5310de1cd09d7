// hoif data info: what a Human3.6M data folder holds for a keypoint source.
#include <map>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "hoif/data/dataset.h"
#include "hoif/data/h36m.h"

namespace hoif::cli {

namespace {

struct InfoOptions {
  std::string data;
  DatasetOptions dataset;
  bool json = false;
};

struct SubjectCount {
  std::set<int> takes;
  int64_t poses = 0;
};

std::map<std::string, SubjectCount> count_by_subject(const PoseSet& set) {
  std::map<std::string, SubjectCount> out;
  for (const auto& p : set.info) {
    SubjectCount& c = out[set.subjects[p.subject]];
    c.takes.insert(p.take);
    ++c.poses;
  }
  return out;
}

void run(const InfoOptions& o) {
  H36mData data(o.data);
  const Datasets d = load_datasets(data, o.dataset);
  std::map<std::string, SubjectCount> counts = count_by_subject(d.train);
  for (auto& [s, c] : count_by_subject(d.test)) counts[s] = c;

  if (o.json) {
    nlohmann::ordered_json j;
    j["data"] = o.data;
    j["source"] = data.from_archive() ? "archive" : "npz";
    j["keypoints"] = o.dataset.keypoints;
    j["joints"] = d.train.num_joints ? d.train.num_joints : d.test.num_joints;
    j["downsample"] = o.dataset.downsample;
    for (const auto& s : h36m_subjects())
      if (counts.count(s))
        j["subjects"][s] = {{"split", is_test_subject(s) ? "test" : "train"},
                            {"takes", counts[s].takes.size()},
                            {"poses", counts[s].poses}};
    j["train_poses"] = d.train.size();
    j["test_poses"] = d.test.size();
    j["absent_takes"] = nlohmann::json::array();
    for (const auto& [s, t] : d.absent) j["absent_takes"].push_back({{"subject", s}, {"take", t}});
    j["excluded_takes"] = {{{"subject", "S11"}, {"take", "Directions"}, {"reason", "corrupt video (protocol)"}}};
    j["skipped"] = nlohmann::json::array();
    for (const auto& sk : d.skipped)
      j["skipped"].push_back({{"subject", sk.subject}, {"take", sk.take},
                              {"camera", sk.camera < 0 ? "all" : kH36mCameraIds[static_cast<size_t>(sk.camera)]},
                              {"reason", sk.reason}});
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("Human3.6M at {} ({}), keypoints '{}' ({} joints), downsample {}\n", o.data,
             data.from_archive() ? "archive layout" : "prepared npz files", o.dataset.keypoints,
             d.train.num_joints ? d.train.num_joints : d.test.num_joints, o.dataset.downsample);
  fmt::print("{:<5} {:<5} {:>5} {:>10}\n", "subj", "split", "takes", "poses");
  for (const auto& s : h36m_subjects())
    if (counts.count(s))
      fmt::print("{:<5} {:<5} {:>5} {:>10}\n", s, is_test_subject(s) ? "test" : "train", counts[s].takes.size(), counts[s].poses);
  fmt::print("train: {} poses (S1 S5 S6 S7 S8)\n", d.train.size());
  fmt::print("test:  {} poses (S9 S11)\n", d.test.size());
  if (d.absent.empty()) {
    fmt::print("absent takes: none\n");
  } else {
    fmt::print("absent takes ({}):", d.absent.size());
    for (const auto& [s, t] : d.absent) fmt::print(" {} '{}';", s, t);
    fmt::print("\n");
  }
  fmt::print("excluded by the protocol: S11 'Directions' (corrupt video)\n");
  for (const auto& sk : d.skipped)
    fmt::print("skipped: {} '{}' camera {}: {}\n", sk.subject, sk.take,
               sk.camera < 0 ? "all" : kH36mCameraIds[static_cast<size_t>(sk.camera)], sk.reason);
}

}  // namespace

void register_data(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "Inspect Human3.6M data");
  data->require_subcommand(1);
  auto opts = std::make_shared<InfoOptions>();
  CLI::App* info = data->add_subcommand("info", "Subjects, takes and pose counts of the training and test sets");
  info->add_option("--data", opts->data, "The archive (folder or zip) or a folder of prepared npz files")->required();
  info->add_option("--keypoints", opts->dataset.keypoints,
                   "gt (16 joints), gt17, sh_pt_mpii, or a detections name (data_2d_h36m_<name>.npz)")
      ->capture_default_str();
  info->add_option("--downsample", opts->dataset.downsample, "Keep every N-th frame")->capture_default_str();
  info->add_option("--actions", opts->dataset.actions, "Only these actions")->delimiter(',');
  info->add_flag("--json", opts->json, "Print JSON instead of a table");
  info->callback([opts] { run(*opts); });
}

}  // namespace hoif::cli
