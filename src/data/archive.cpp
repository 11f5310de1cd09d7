#include "hoif/data/archive.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <regex>

#include "hoif/core/error.h"
#include "hoif/data/h36m.h"
#include "hoif/io/hdf5.h"
#include "hoif/io/zip.h"

namespace hoif {

namespace fs = std::filesystem;

namespace {

const std::regex& archive_file_pattern() {
  static const std::regex re(R"(^(.*?)(S\d+/(MyPoses/3D_positions|StackedHourglass)/[^/]+\.h5|cameras\.h5)$)");
  return re;
}

bool is_zip(const std::string& path) {
  return fs::is_regular_file(path) && fs::path(path).extension() == ".zip";
}

std::string detections_file(const std::string& subject, const std::string& take, int camera) {
  std::string name = take;
  std::replace(name.begin(), name.end(), ' ', '_');
  return subject + "/StackedHourglass/" + name + "." + kH36mCameraIds.at(static_cast<size_t>(camera)) + ".h5";
}

}  // namespace

struct H36mArchive::OpenFile {
  std::vector<uint8_t> image;  // the bytes when the file came out of the zip
  std::unique_ptr<H5File> file;
};

H36mArchive::~H36mArchive() = default;

bool H36mArchive::looks_like_archive(const std::string& path) {
  if (is_zip(path)) return true;
  for (const char* sub : {"", "h36m/"})
    for (const auto& s : h36m_subjects())
      if (fs::is_directory(fs::path(path) / (std::string(sub) + s) / "MyPoses")) return true;
  return false;
}

H36mArchive::H36mArchive(const std::string& path) : path_(path) {
  std::vector<std::string> names;
  if (is_zip(path)) {
    zip_ = std::make_unique<ZipReader>(path);
    names = zip_->entries();
  } else if (fs::is_directory(path)) {
    // Symlinked files and folders (an archive linked together with `cp -rs`) are followed, and
    // named by where they are linked, not where they point.
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::follow_directory_symlink);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it.depth() > 4) it.disable_recursion_pending();
      if (it->is_regular_file()) names.push_back(it->path().lexically_relative(path).generic_string());
    }
  } else {
    fail(path, fs::exists(path) ? "is neither a folder nor a .zip" : "no such file or folder");
  }
  bool found_prefix = false;
  for (const auto& n : names) {
    std::smatch m;
    if (!std::regex_match(n, m, archive_file_pattern())) continue;
    if (!found_prefix && m[2].str() != "cameras.h5") {
      prefix_ = m[1].str();
      found_prefix = true;
    }
  }
  for (const auto& n : names) {
    std::smatch m;
    if (std::regex_match(n, m, archive_file_pattern()) && m[1].str() == prefix_) files_.insert(m[2].str());
  }
  if (!found_prefix) fail(path, "no S*/MyPoses/3D_positions/*.h5 files: not the Human3.6M archive layout");
}

std::string H36mArchive::full_name(const std::string& relative) const {
  return zip_ ? path_ + ":" + prefix_ + relative : (fs::path(path_) / prefix_ / relative).string();
}

H36mArchive::OpenFile H36mArchive::open(const std::string& relative) const {
  if (!files_.count(relative)) fail(full_name(relative), "no such file");
  OpenFile f;
  if (zip_) {
    f.image = zip_->read(prefix_ + relative);
    f.file = std::make_unique<H5File>(f.image, full_name(relative));
  } else {
    f.file = std::make_unique<H5File>(full_name(relative));
  }
  return f;
}

std::vector<std::string> H36mArchive::subjects() const {
  std::vector<std::string> out;
  for (const auto& s : h36m_subjects())
    if (!takes(s).empty()) out.push_back(s);
  return out;
}

std::vector<std::string> H36mArchive::takes(const std::string& subject) const {
  const std::string dir = subject + "/MyPoses/3D_positions/";
  std::vector<std::string> out;
  for (const auto& f : files_)
    if (f.rfind(dir, 0) == 0) out.push_back(f.substr(dir.size(), f.size() - dir.size() - 3));
  return out;
}

ArrayF H36mArchive::positions(const std::string& subject, const std::string& take) const {
  const std::string rel = subject + "/MyPoses/3D_positions/" + take + ".h5";
  OpenFile f = open(rel);
  const ArrayF raw = f.file->read_float("3D_positions");
  if (raw.ndim() != 2 || raw.dim(0) != 96)
    fail(full_name(rel), "'3D_positions' must be (96, N), 32 joints x 3 coordinates per frame");
  const int64_t n = raw.dim(1);
  ArrayF out({n, 32, 3});
  // Row r of the dataset is coordinate r % 3 of joint r / 3; millimetres to metres.
  for (int64_t r = 0; r < 96; ++r)
    for (int64_t t = 0; t < n; ++t) out.values[static_cast<size_t>(t * 96 + r)] = raw.values[static_cast<size_t>(r * n + t)] / 1000.0f;
  for (float v : out.values)
    if (!std::isfinite(v)) fail(full_name(rel), "contains NaN or infinite values");
  return out;
}

std::map<std::string, CameraRig> H36mArchive::cameras() const {
  OpenFile f = open("cameras.h5");
  const H5File& h5 = *f.file;
  std::map<std::string, CameraRig> out;
  for (const auto& subject : subjects()) {
    const std::string group = "subject" + subject.substr(1);
    CameraRig rig;
    for (int c = 0; c < 4; ++c) {
      const std::string g = group + "/camera" + std::to_string(c + 1) + "/";
      auto vec = [&](const std::string& name, size_t n) {
        ArrayD a = h5.read_double(g + name);
        if (a.values.size() != n) fail(h5.name(), "'" + g + name + "' must hold " + std::to_string(n) + " values");
        return a.values;
      };
      Camera& cam = rig[static_cast<size_t>(c)];
      const auto name = vec("Name", 8);
      for (double ch : name) cam.id.push_back(static_cast<char>(ch));
      if (cam.id != kH36mCameraIds[static_cast<size_t>(c)])
        fail(h5.name(), "'" + g + "Name' is '" + cam.id + "', expected " + kH36mCameraIds[static_cast<size_t>(c)]);
      const auto r = vec("R", 9), t = vec("T", 3), fl = vec("f", 2), cc = vec("c", 2), k = vec("k", 3), p = vec("p", 2);
      // Stored transposed: R[i][j] in the file is the world-to-camera rotation's (j, i).
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) cam.R(i, j) = r[static_cast<size_t>(j * 3 + i)];
      cam.T = Eigen::Vector3d(t[0], t[1], t[2]) / 1000.0;
      cam.f = {fl[0], fl[1]};
      cam.c = {cc[0], cc[1]};
      cam.k = {k[0], k[1], k[2]};
      cam.p = {p[0], p[1]};
      set_h36m_camera_constants(cam, c);
    }
    out[subject] = rig;
  }
  return out;
}

bool H36mArchive::has_detections(const std::string& subject, const std::string& take, int camera) const {
  return files_.count(detections_file(subject, take, camera)) > 0;
}

ArrayF H36mArchive::detections(const std::string& subject, const std::string& take, int camera) const {
  const std::string rel = detections_file(subject, take, camera);
  OpenFile f = open(rel);
  ArrayF poses = f.file->read_float("poses");
  if (poses.ndim() != 3 || poses.dim(1) != 16 || poses.dim(2) != 2)
    fail(full_name(rel), "'poses' must be (N, 16, 2) Stacked Hourglass detections");
  return poses;
}

Mocap H36mArchive::load_mocap() const {
  Mocap m;
  m.source = path_;
  if (!files_.count("cameras.h5")) fail(full_name("cameras.h5"), "no such file (the archive's camera calibration)");
  m.cameras = cameras();
  for (const auto& subject : subjects())
    for (const auto& take : takes(subject))
      if (!is_excluded_take(subject, take)) m.positions[subject][take] = positions(subject, take);
  return m;
}

}  // namespace hoif
