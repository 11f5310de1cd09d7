#include "hoif/data/videopose3d.h"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/io/npz.h"

namespace hoif {

namespace {

ArrayF pose_array(const py::Value& v, int64_t joints, int64_t dims) {
  ArrayF a = v.array().to_float(v.where());
  if (a.ndim() != 3 || (joints > 0 && a.dim(1) != joints) || a.dim(2) != dims)
    fail(v.where(), "expected an (N, " + (joints > 0 ? std::to_string(joints) : std::string("J")) + ", " +
                        std::to_string(dims) + ") array");
  return a;
}

py::Value root_dict(const NpzReader& npz, const NpyContent& content, const std::string& key) {
  if (!content.is_object) fail(npz.path() + ":" + key, "expected a pickled dict (object array), found numbers");
  return py::Value(content.doc, content.doc.root, npz.path() + ":" + key).item();
}

}  // namespace

TakePoses read_positions_3d(const std::string& path) {
  NpzReader npz(path);
  const NpyContent content = npz.load("positions_3d");
  TakePoses out;
  for (const auto& [subject, takes] : root_dict(npz, content, "positions_3d").dict_items())
    for (const auto& [take, poses] : takes.dict_items()) {
      ArrayF a = pose_array(poses, 32, 3);
      for (float x : a.values)
        if (!std::isfinite(x)) fail(poses.where(), "contains NaN or infinite values");
      out[subject][take] = std::move(a);
    }
  return out;
}

void write_positions_3d(const std::string& path, const TakePoses& positions, Compression compression) {
  py::Document doc;
  doc.root = doc.add_dict();
  for (const auto& [subject, takes] : positions) {
    const int d = doc.add_dict();
    doc.dict_set(doc.root, doc.add_str(subject), d);
    for (const auto& [take, poses] : takes) doc.dict_set(d, doc.add_str(take), doc.add_array(NdArray::from(poses)));
  }
  write_npz(path, {{"positions_3d", encode_npy_object(doc)}}, compression);
}

Keypoints2D read_keypoints_2d(const std::string& path) {
  NpzReader npz(path);
  Keypoints2D k;
  const NpyContent meta = npz.load("metadata");
  const py::Value m = root_dict(npz, meta, "metadata");
  k.num_joints = static_cast<int>(m["num_joints"].integer());
  if (k.num_joints <= 0 || k.num_joints > 1000) fail(m.where(), "num_joints is out of range");
  k.layout_name = m.has("layout_name") ? m["layout_name"].str() : "";
  if (m.has("keypoints_symmetry")) {
    const auto sym = m["keypoints_symmetry"].sequence();
    if (sym.size() != 2) fail(m.where(), "keypoints_symmetry must hold two lists");
    for (int side = 0; side < 2; ++side)
      for (const auto& j : sym[static_cast<size_t>(side)].sequence()) {
        const int64_t v = j.integer();
        if (v < 0 || v >= k.num_joints) fail(j.where(), "joint index out of range");
        (side ? k.joints_right : k.joints_left).push_back(static_cast<int>(v));
      }
  }
  const NpyContent content = npz.load("positions_2d");
  for (const auto& [subject, takes] : root_dict(npz, content, "positions_2d").dict_items())
    for (const auto& [take, cameras] : takes.dict_items()) {
      std::vector<ArrayF> per_camera;
      for (const auto& cam : cameras.sequence()) {
        // Some detection files carry a confidence as a third channel; keep x and y.
        ArrayF a = cam.array().to_float(cam.where());
        if (a.ndim() != 3 || a.dim(1) != k.num_joints || (a.dim(2) != 2 && a.dim(2) != 3))
          fail(cam.where(), "expected an (N, " + std::to_string(k.num_joints) + ", 2) array, found another shape");
        if (a.dim(2) == 3) {
          ArrayF xy({a.dim(0), a.dim(1), 2});
          for (int64_t i = 0; i < a.dim(0) * a.dim(1); ++i) {
            xy.values[static_cast<size_t>(2 * i)] = a.values[static_cast<size_t>(3 * i)];
            xy.values[static_cast<size_t>(2 * i + 1)] = a.values[static_cast<size_t>(3 * i + 1)];
          }
          a = std::move(xy);
        }
        for (float x : a.values)
          if (!std::isfinite(x)) fail(cam.where(), "contains NaN or infinite values");
        per_camera.push_back(std::move(a));
      }
      k.positions[subject][take] = std::move(per_camera);
    }
  return k;
}

void write_keypoints_2d(const std::string& path, const Keypoints2D& keypoints, Compression compression) {
  py::Document pos;
  pos.root = pos.add_dict();
  for (const auto& [subject, takes] : keypoints.positions) {
    const int d = pos.add_dict();
    pos.dict_set(pos.root, pos.add_str(subject), d);
    for (const auto& [take, cameras] : takes) {
      const int list = pos.add_list();
      for (const auto& cam : cameras) pos.list_append(list, pos.add_array(NdArray::from(cam)));
      pos.dict_set(d, pos.add_str(take), list);
    }
  }
  py::Document meta;
  meta.root = meta.add_dict();
  meta.dict_set(meta.root, meta.add_str("layout_name"), meta.add_str(keypoints.layout_name));
  meta.dict_set(meta.root, meta.add_str("num_joints"), meta.add_int(keypoints.num_joints));
  auto int_list = [&](const std::vector<int>& v) {
    const int l = meta.add_list();
    for (int x : v) meta.list_append(l, meta.add_int(x));
    return l;
  };
  meta.dict_set(meta.root, meta.add_str("keypoints_symmetry"),
                meta.add_list({int_list(keypoints.joints_left), int_list(keypoints.joints_right)}));
  write_npz(path, {{"positions_2d", encode_npy_object(pos)}, {"metadata", encode_npy_object(meta)}}, compression);
}

// ---------------------------------------------------------------- cameras.json

void write_cameras_json(const std::string& path, const std::map<std::string, CameraRig>& cameras) {
  nlohmann::ordered_json j;
  j["format"] = "hoif cameras 1";
  j["conventions"] =
      "R: world-to-camera rotation (rows); T: camera centre, world metres; x_cam = R (x_world - T). "
      "f, c: pixels; k: radial; p: tangential in archive order (3d-pose-baseline's model). "
      "orientation: camera-to-world quaternion (w, x, y, z) and translation (metres) as VideoPose3D uses them.";
  for (const auto& [subject, rig] : cameras) {
    auto& list = j["subjects"][subject];
    for (const Camera& c : rig) {
      nlohmann::ordered_json cj;
      cj["id"] = c.id;
      cj["width"] = c.width;
      cj["height"] = c.height;
      cj["azimuth"] = c.azimuth;
      cj["R"] = {{c.R(0, 0), c.R(0, 1), c.R(0, 2)}, {c.R(1, 0), c.R(1, 1), c.R(1, 2)}, {c.R(2, 0), c.R(2, 1), c.R(2, 2)}};
      cj["T"] = {c.T[0], c.T[1], c.T[2]};
      cj["f"] = {c.f[0], c.f[1]};
      cj["c"] = {c.c[0], c.c[1]};
      cj["k"] = {c.k[0], c.k[1], c.k[2]};
      cj["p"] = {c.p[0], c.p[1]};
      const Quaternion q = c.orientation();
      cj["orientation"] = {q[0], q[1], q[2], q[3]};
      cj["translation"] = {c.T[0], c.T[1], c.T[2]};
      list.push_back(cj);
    }
  }
  write_file_atomically(path, j.dump(1) + "\n");
}

std::map<std::string, CameraRig> read_cameras_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path, "no such file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    fail(path, std::string("not valid JSON (") + e.what() + ")");
  }
  std::map<std::string, CameraRig> out;
  try {
    for (const auto& [subject, list] : j.at("subjects").items()) {
      if (list.size() != 4) fail(path, subject + " must list 4 cameras");
      CameraRig rig;
      for (size_t i = 0; i < 4; ++i) {
        const auto& cj = list[i];
        Camera& c = rig[i];
        c.id = cj.at("id").get<std::string>();
        for (int r = 0; r < 3; ++r)
          for (int col = 0; col < 3; ++col) c.R(r, col) = cj.at("R").at(r).at(col).get<double>();
        for (int d = 0; d < 3; ++d) c.T[d] = cj.at("T").at(d).get<double>();
        for (int d = 0; d < 2; ++d) {
          c.f[d] = cj.at("f").at(d).get<double>();
          c.c[d] = cj.at("c").at(d).get<double>();
          c.p[d] = cj.at("p").at(d).get<double>();
        }
        for (int d = 0; d < 3; ++d) c.k[d] = cj.at("k").at(d).get<double>();
        c.width = cj.at("width").get<int>();
        c.height = cj.at("height").get<int>();
        c.azimuth = cj.value("azimuth", 0);
        if (c.width <= 0 || c.height <= 0) fail(path, subject + " camera " + c.id + " has a bad resolution");
      }
      out[subject] = rig;
    }
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("missing or malformed camera field (") + e.what() + ")");
  }
  return out;
}

}  // namespace hoif
