#include "hoif/data/keypoint_files.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/data/track_columns.h"
#include "hoif/io/npz.h"

namespace hoif {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, fs::exists(path) ? "cannot be read" : "no such file or folder");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Builder {
  std::string where;
  int64_t joints;
  std::vector<float> values;
  std::vector<int64_t> frame, person;
  KeypointFileInfo info;  // what the file states besides the keypoints

  // One person: 2 or 3 numbers per joint (xy or xyc), or xy with separate scores.
  void add(int64_t f, int64_t p, const std::vector<double>& xy, const std::vector<double>& scores, int per_joint) {
    if (static_cast<int64_t>(xy.size()) != joints * per_joint)
      fail(where, fmt::format("frame {} person {}: {} values, expected {} ({} joints x {})", f, p, xy.size(),
                              joints * per_joint, joints, per_joint));
    if (!scores.empty() && static_cast<int64_t>(scores.size()) != joints)
      fail(where, fmt::format("frame {} person {}: {} scores for {} joints", f, p, scores.size(), joints));
    for (int64_t j = 0; j < joints; ++j) {
      const double x = xy[static_cast<size_t>(j * per_joint)], y = xy[static_cast<size_t>(j * per_joint + 1)];
      const double c = per_joint == 3 ? xy[static_cast<size_t>(j * 3 + 2)] : scores.empty() ? 1.0 : scores[static_cast<size_t>(j)];
      values.push_back(static_cast<float>(x));
      values.push_back(static_cast<float>(y));
      values.push_back(static_cast<float>(c));
    }
    frame.push_back(f);
    person.push_back(p);
  }

  // The rows added since `first` were of a person the detector had lost.
  void mark_lost_since(size_t first) {
    info.lost.resize(frame.size(), 0);
    std::fill(info.lost.begin() + static_cast<std::ptrdiff_t>(first), info.lost.end(), uint8_t{1});
  }

  KeypointFile finish() {
    if (frame.empty()) fail(where, "holds no keypoints");
    if (!info.lost.empty()) info.lost.resize(frame.size(), 0);
    KeypointFile f;
    f.tracks.keypoints = ArrayF({static_cast<int64_t>(frame.size()), joints, 3});
    f.tracks.keypoints.values = std::move(values);
    f.tracks.frame = std::move(frame);
    f.tracks.person = std::move(person);
    f.info = std::move(info);
    return f;
  }
};

std::vector<double> numbers(const json& j, const std::string& where) {
  std::vector<double> out;
  const auto add = [&](const json& v) {
    if (!v.is_number()) fail(where, "a keypoint value is not a number");
    out.push_back(v.get<double>());
  };
  for (const auto& v : j) {
    if (v.is_array())
      for (const auto& w : v) add(w);
    else
      add(v);
  }
  return out;
}

// An MMPose instance: "keypoints" [[x, y], ...] (or [[x, y, c]]), optional "keypoint_scores".
void add_mmpose_instance(Builder& b, int64_t f, int64_t p, const json& instance) {
  if (!instance.is_object() || !instance.contains("keypoints")) fail(b.where, "an instance has no 'keypoints'");
  const json& k = instance["keypoints"];
  const std::vector<double> xy = numbers(k, b.where);
  const int per_joint = !k.empty() && k[0].is_array() ? static_cast<int>(k[0].size()) : 2;
  std::vector<double> scores;
  if (instance.contains("keypoint_scores")) scores = numbers(instance["keypoint_scores"], b.where);
  if (instance.contains("track_id")) {  // MMPose's tracking demos number each person across frames
    if (!instance["track_id"].is_number_integer() || instance["track_id"].get<int64_t>() < 0)
      fail(b.where, fmt::format("frame {}: track_id must be a whole number, 0 or more", f));
    p = instance["track_id"].get<int64_t>();
  }
  b.add(f, p, xy, per_joint == 3 ? std::vector<double>{} : scores, per_joint == 3 ? 3 : 2);
  if (instance.contains("lost")) {
    if (!instance["lost"].is_boolean()) fail(b.where, fmt::format("frame {} person {}: lost must be true or false", f, p));
    if (instance["lost"].get<bool>()) b.mark_lost_since(b.frame.size() - 1);
  }
}

void add_frame_of_instances(Builder& b, int64_t f, const json& instances) {
  if (!instances.is_array()) fail(b.where, "expected a list of instances per frame");
  for (size_t p = 0; p < instances.size(); ++p) add_mmpose_instance(b, f, static_cast<int64_t>(p), instances[p]);
}

void add_openpose_frame(Builder& b, int64_t f, const json& doc) {
  for (size_t p = 0; p < doc["people"].size(); ++p) {
    const json& person = doc["people"][p];
    if (!person.contains("pose_keypoints_2d")) fail(b.where, "a person has no 'pose_keypoints_2d'");
    b.add(f, static_cast<int64_t>(p), numbers(person["pose_keypoints_2d"], b.where), {}, 3);
  }
}

// MMPose's meta_info as hoif detect writes it: image_size [width, height] and fps, where present.
void read_mmpose_meta(Builder& b, const json& doc) {
  if (!doc.contains("meta_info") || !doc["meta_info"].is_object()) return;
  const json& meta = doc["meta_info"];
  if (meta.contains("image_size")) {
    const json& size = meta["image_size"];
    const auto pixels = [](const json& v) {
      return v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() <= std::numeric_limits<int>::max();
    };
    if (!size.is_array() || size.size() != 2 || !pixels(size[0]) || !pixels(size[1]))
      fail(b.where, "meta_info.image_size must be [width, height] in pixels");
    b.info.width = size[0].get<int>();
    b.info.height = size[1].get<int>();
  }
  if (meta.contains("fps")) {
    if (!meta["fps"].is_number() || !(meta["fps"].get<double>() > 0) || !std::isfinite(meta["fps"].get<double>()))
      fail(b.where, "meta_info.fps must be a positive number");
    b.info.fps = meta["fps"].get<double>();
  }
  if (meta.contains("source") && meta["source"].is_string()) b.info.source = meta["source"].get<std::string>();
}

json parse_json(const std::string& path) {
  try {
    return json::parse(read_text(path));
  } catch (const json::exception& e) {
    fail(path, std::string("is not valid JSON: ") + e.what());
  }
}

KeypointFile read_json(const std::string& path, int64_t joints) {
  Builder b{path, joints, {}, {}, {}, {}};
  if (fs::is_directory(path)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(path))
      if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) fail(path, "holds no .json files");
    for (size_t f = 0; f < files.size(); ++f) {
      const json doc = parse_json(files[f].string());
      b.where = files[f].string();
      if (!doc.is_object() || !doc.contains("people")) fail(b.where, "is not an OpenPose frame (no 'people')");
      add_openpose_frame(b, static_cast<int64_t>(f), doc);
    }
    b.where = path;
    return b.finish();
  }
  json doc = parse_json(path);
  if (doc.is_object() && doc.contains("predictions")) doc = doc["predictions"];
  if (doc.is_object() && doc.contains("people")) {
    add_openpose_frame(b, 0, doc);
  } else if (doc.is_object() && doc.contains("instance_info")) {
    read_mmpose_meta(b, doc);
    const json& frames = doc["instance_info"];
    // MMPose numbers its frames (frame_id); keep its numbers, so that output rows match the video's.
    for (size_t f = 0; f < frames.size(); ++f) {
      const json& frame = frames[f];
      const bool numbered = frame.is_object() && frame.contains("frame_id") && frame["frame_id"].is_number_integer();
      const int64_t id = numbered ? frame["frame_id"].get<int64_t>() : static_cast<int64_t>(f);
      if (id < 0) fail(b.where, fmt::format("instance_info[{}]: frame_id {} is negative", f, id));
      const size_t first = b.frame.size();
      add_frame_of_instances(b, id, frame.is_object() && frame.contains("instances") ? frame["instances"] : json::array());
      // A frame's own "lost" (hoif detect wrote it there before it wrote one per person) marks all its people.
      if (frame.is_object() && frame.contains("lost")) {
        if (!frame["lost"].is_boolean()) fail(b.where, fmt::format("instance_info[{}]: lost must be true or false", f));
        if (frame["lost"].get<bool>()) b.mark_lost_since(first);
      }
    }
  } else if (doc.is_array() && !doc.empty() && doc[0].is_array()) {
    for (size_t f = 0; f < doc.size(); ++f) add_frame_of_instances(b, static_cast<int64_t>(f), doc[f]);
  } else if (doc.is_array()) {
    add_frame_of_instances(b, 0, doc);
  } else {
    fail(path, "is neither MMPose nor OpenPose output (see docs/LIFTING.md for the accepted forms)");
  }
  return b.finish();
}

KeypointFile read_csv(const std::string& path, int64_t joints) {
  Builder b{path, joints, {}, {}, {}, {}};
  std::istringstream in(read_text(path));
  std::string line;
  int64_t line_no = 0, frame = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<double> cells;
    std::stringstream ls(line);
    bool numeric = true;
    for (std::string c; std::getline(ls, c, ',');) {
      try {
        size_t used = 0;
        cells.push_back(std::stod(c, &used));
        if (c.find_first_not_of(" \t", used) != std::string::npos) numeric = false;
      } catch (const std::exception&) {
        numeric = false;
      }
    }
    if (!numeric) {
      if (line_no == 1) continue;  // a header
      fail(path, fmt::format("line {} is not all numbers", line_no));
    }
    const int per_joint = static_cast<int64_t>(cells.size()) == joints * 3 ? 3 : 2;
    if (static_cast<int64_t>(cells.size()) != joints * per_joint)
      fail(path, fmt::format("line {} has {} values; expected {} (x,y) or {} (x,y,c) for {} joints", line_no, cells.size(),
                             joints * 2, joints * 3, joints));
    b.add(frame++, 0, cells, {}, per_joint);
  }
  return b.finish();
}

KeypointFile read_npz(const std::string& path, int64_t joints) {
  const NpzReader npz(path);
  if (!npz.has("keypoints")) fail(path, "has no 'keypoints' array");
  const ArrayF k = npz.array("keypoints").to_float(path + ":keypoints");
  if (k.ndim() != 3 || k.dim(1) != joints || (k.dim(2) != 2 && k.dim(2) != 3))
    fail(path, fmt::format("keypoints must be (N, {}, 2) or (N, {}, 3)", joints, joints));
  const TrackColumns columns = read_track_columns(npz, k.dim(0), path);
  Builder b{path, joints, {}, {}, {}, {}};
  const int64_t d = k.dim(2);
  for (int64_t n = 0; n < k.dim(0); ++n) {
    const auto first = k.values.begin() + static_cast<std::ptrdiff_t>(n * joints * d);
    const auto row = static_cast<size_t>(n);
    b.add(columns.frame[row], columns.person[row], std::vector<double>(first, first + static_cast<std::ptrdiff_t>(joints * d)),
          {}, static_cast<int>(d));
  }
  b.info.width = columns.width;
  b.info.height = columns.height;
  b.info.lost = columns.lost;
  if (npz.has("fps")) {
    const ArrayF fps = npz.array("fps").to_float(path + ":fps");
    if (fps.values.size() != 1 || !std::isfinite(fps.values[0]) || fps.values[0] < 0) fail(path, "fps must be one number, 0 or more");
    b.info.fps = fps.values[0];
  }
  return b.finish();
}

}  // namespace

KeypointFile read_keypoints(const std::string& path, KeypointLayout layout) {
  const auto joints = static_cast<int64_t>(layout_joint_names(layout).size());
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  KeypointFile file;
  if (ext == ".json" || fs::is_directory(path))
    file = read_json(path, joints);
  else if (ext == ".csv")
    file = read_csv(path, joints);
  else if (ext == ".npz")
    file = read_npz(path, joints);
  else
    fail(path, "unknown keypoint file type (.json, .csv, .npz, or a folder of OpenPose .json)");
  std::vector<float>& k = file.tracks.keypoints.values;
  for (size_t i = 0; i < k.size(); i += 3)
    if (!std::isfinite(k[i]) || !std::isfinite(k[i + 1])) {
      // A joint the detector could not place: mark it missing (confidence 0) for the lifter.
      k[i + 2] = 0.0f;
    }
  return file;
}

int64_t mark_lost_as_missing(KeypointTracks& tracks, const std::vector<uint8_t>& lost, const std::string& where) {
  if (!lost.empty() && lost.size() != tracks.frame.size()) fail(where, "lost must have one entry per row");
  const int64_t J = tracks.keypoints.dim(1);
  float* k = tracks.keypoints.values.data();
  for (size_t r = 0; r < lost.size(); ++r)
    if (lost[r])
      for (int64_t j = 0; j < J; ++j) k[(static_cast<int64_t>(r) * J + j) * 3 + 2] = NAN;
  const auto count = std::count(lost.begin(), lost.end(), uint8_t{1});
  if (!lost.empty() && count == static_cast<std::ptrdiff_t>(lost.size()))
    fail(where, "no person found (the detector lost the person in every frame)");
  return count;
}

namespace {

json mmpose_document(const KeypointTracks& t, const std::vector<std::string>& names, const KeypointFileInfo& info) {
  const int64_t N = t.keypoints.dim(0), J = t.keypoints.dim(1);
  std::map<int64_t, json> instances_of_frame;  // ordered by frame, wherever a frame's rows are listed
  for (int64_t n = 0; n < N; ++n) {
    json points = json::array(), scores = json::array();
    for (int64_t j = 0; j < J; ++j) {
      const float* p = &t.keypoints.values[static_cast<size_t>((n * J + j) * 3)];
      points.push_back({p[0], p[1]});
      scores.push_back(p[2]);
    }
    const auto row = static_cast<size_t>(n);
    json instance = {{"keypoints", points}, {"keypoint_scores", scores}, {"track_id", t.person[row]}};
    if (!info.lost.empty()) instance["lost"] = info.lost[row] != 0;
    instances_of_frame[t.frame[row]].push_back(instance);
  }
  // The people of one frame share its entry, as in MMPose's own output.
  json frames = json::array();
  for (auto& [frame, instances] : instances_of_frame) frames.push_back({{"frame_id", frame}, {"instances", std::move(instances)}});
  json meta = {{"keypoint_names", names}, {"image_size", {info.width, info.height}}, {"source", info.source}};
  if (info.fps > 0) meta["fps"] = info.fps;
  return {{"meta_info", meta}, {"instance_info", frames}};
}

std::string keypoint_csv(const std::string& path, const KeypointTracks& t, const std::vector<std::string>& names) {
  // A CSV file numbers its frames by row, so rows must be frames 0, 1, 2, ... one each.
  for (size_t n = 0; n < t.frame.size(); ++n) {
    if (t.frame[n] == static_cast<int64_t>(n)) continue;
    if (std::count(t.frame.begin(), t.frame.end(), t.frame[n]) > 1)
      fail(path, fmt::format("frame {} has several people, and a CSV file holds one per frame (write .json or .npz)", t.frame[n]));
    fail(path, fmt::format("row {} is frame {}, and a CSV file numbers its frames by row from 0 (write .json or .npz)", n, t.frame[n]));
  }
  std::string csv;
  for (size_t j = 0; j < names.size(); ++j) csv += fmt::format("{0}{1}_x,{1}_y,{1}_score", j ? "," : "", names[j]);
  csv += "\n";
  const int64_t N = t.keypoints.dim(0), values = t.keypoints.dim(1) * 3;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t v = 0; v < values; ++v) csv += fmt::format("{}{:.3f}", v ? "," : "", t.keypoints.values[static_cast<size_t>(n * values + v)]);
    csv += "\n";
  }
  return csv;
}

}  // namespace

void write_keypoints(const std::string& path, const KeypointTracks& t, KeypointLayout layout, const KeypointFileInfo& info) {
  const std::vector<std::string>& names = layout_joint_names(layout);
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".json") {
    write_file_atomically(path, mmpose_document(t, names, info).dump(1) + "\n");
  } else if (ext == ".csv") {
    write_file_atomically(path, keypoint_csv(path, t, names));
  } else if (ext == ".npz") {
    std::vector<NpzEntry> entries = {{"keypoints", encode_npy(NdArray::from(t.keypoints))}};
    append_track_columns(entries, {t.frame, t.person, info.lost, info.width, info.height});
    entries.push_back({"fps", encode_npy(NdArray::from(ArrayF({1}, static_cast<float>(info.fps))))});
    entries.push_back({"joint_names", encode_npy_strings(names)});
    write_npz(path, std::move(entries));
  } else {
    fail(path, "unknown keypoint file type (use .json, .csv or .npz)");
  }
}

}  // namespace hoif
