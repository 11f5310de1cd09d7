#include "hoif/io/bvh.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"

namespace hoif {

namespace {

constexpr double kCentimetres = 100.0;  // BVH offsets and positions; hoif works in metres
constexpr double kDegrees = 180.0 / M_PI;

// BVH names are single words: "Neck/Nose" becomes "Neck_Nose".
std::string bvh_name(std::string name) {
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

void write_joint(std::string& out, const MotionSkeleton& s, const std::vector<std::vector<int>>& children, int j,
                 int depth) {
  const std::string pad(static_cast<size_t>(depth) * 2, ' ');
  const Eigen::Vector3d o = s.offsets[static_cast<size_t>(j)] * kCentimetres + Eigen::Vector3d::Zero();  // no "-0"
  out += fmt::format("{}{} {}\n{}{{\n", pad, depth == 0 ? "ROOT" : "JOINT", bvh_name(s.names[static_cast<size_t>(j)]), pad);
  out += fmt::format("{}  OFFSET {:.6f} {:.6f} {:.6f}\n", pad, o.x(), o.y(), o.z());
  out += depth == 0 ? pad + "  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation\n"
                    : pad + "  CHANNELS 3 Zrotation Xrotation Yrotation\n";
  if (children[static_cast<size_t>(j)].empty()) {
    // A leaf's end: a quarter of its bone further on, so that importers draw its last bone.
    const Eigen::Vector3d end = 0.25 * o;
    out += fmt::format("{}  End Site\n{}  {{\n{}    OFFSET {:.6f} {:.6f} {:.6f}\n{}  }}\n", pad, pad, pad, end.x(), end.y(),
                       end.z(), pad);
  }
  for (int c : children[static_cast<size_t>(j)]) write_joint(out, s, children, c, depth + 1);
  out += pad + "}\n";
}

// A whitespace tokenizer over the whole file, with the line of each token for errors.
struct Tokens {
  std::string path;
  std::vector<std::pair<std::string, int>> words;
  size_t at = 0;

  bool done() const { return at >= words.size(); }
  const std::string& peek() const {
    if (done()) fail(path, "ends early (truncated BVH)");
    return words[at].first;
  }
  std::string next() {
    const std::string& w = peek();
    ++at;
    return w;
  }
  void expect(const std::string& word) {
    if (peek() != word) fail(path, fmt::format("line {}: expected '{}', found '{}'", words[at].second, word, peek()));
    ++at;
  }
  double number() {
    const int line = done() ? 0 : words[at].second;
    const std::string w = next();
    try {
      size_t used = 0;
      const double v = std::stod(w, &used);
      if (used == w.size() && std::isfinite(v)) return v;
    } catch (const std::exception&) {
    }
    fail(path, fmt::format("line {}: '{}' is not a number", line, w));
  }
};

int read_joint(Tokens& t, MotionSkeleton& s, int parent) {
  const int j = static_cast<int>(s.names.size());
  s.names.push_back(t.next());
  s.parents.push_back(parent);
  t.expect("{");
  t.expect("OFFSET");
  const double x = t.number(), y = t.number(), z = t.number();
  s.offsets.emplace_back(x / kCentimetres, y / kCentimetres, z / kCentimetres);
  t.expect("CHANNELS");
  const std::string count = t.next();
  const std::string layout = parent < 0 ? "6XpositionYpositionZpositionZrotationXrotationYrotation" : "3ZrotationXrotationYrotation";
  std::string seen = count;
  for (int k = 0; k < (parent < 0 ? 6 : 3); ++k) seen += t.next();
  if (seen != layout) fail(t.path, "joint " + s.names.back() + ": channels other than hoif's layout (see io/bvh.h)");
  while (t.peek() != "}") {
    const std::string w = t.next();
    if (w == "JOINT") {
      read_joint(t, s, j);
    } else if (w == "End") {
      t.expect("Site");
      t.expect("{");
      t.expect("OFFSET");
      t.number(), t.number(), t.number();
      t.expect("}");
    } else {
      fail(t.path, "unexpected '" + w + "' in joint " + s.names[static_cast<size_t>(j)]);
    }
  }
  t.expect("}");
  return j;
}

}  // namespace

void write_bvh(const std::string& path, const Motion& m) {
  const MotionSkeleton& s = m.skeleton;
  std::vector<std::vector<int>> children(s.names.size());
  for (size_t j = 1; j < s.names.size(); ++j) children[static_cast<size_t>(s.parents[j])].push_back(static_cast<int>(j));
  std::string out = "HIERARCHY\n";
  write_joint(out, s, children, 0, 0);
  out += fmt::format("MOTION\nFrames: {}\nFrame Time: {:.8f}\n", m.frames(), 1.0 / m.fps);
  std::vector<Eigen::Vector3d> previous(s.names.size(), Eigen::Vector3d::Zero());
  for (int n = 0; n < m.frames(); ++n) {
    const Eigen::Vector3d root = m.root_positions[static_cast<size_t>(n)] * kCentimetres;
    out += fmt::format("{:.6f} {:.6f} {:.6f}", root.x(), root.y(), root.z());
    // Joints in the hierarchy's order (depth first), as BVH lists the channels.
    std::vector<int> order;
    std::vector<int> stack = {0};
    while (!stack.empty()) {
      const int j = stack.back();
      stack.pop_back();
      order.push_back(j);
      for (auto c = children[static_cast<size_t>(j)].rbegin(); c != children[static_cast<size_t>(j)].rend(); ++c) stack.push_back(*c);
    }
    for (int j : order) {
      previous[static_cast<size_t>(j)] = euler_zxy(m.rotations[static_cast<size_t>(n)][static_cast<size_t>(j)], previous[static_cast<size_t>(j)]);
      const Eigen::Vector3d deg = previous[static_cast<size_t>(j)] * kDegrees;
      out += fmt::format(" {:.6f} {:.6f} {:.6f}", deg[0], deg[1], deg[2]);
    }
    out += "\n";
  }
  write_file_atomically(path, out);
}

Motion read_bvh(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path, "cannot be read");
  Tokens t{path, {}, 0};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::istringstream words(line);
    for (std::string w; words >> w;) t.words.emplace_back(w, number);
  }
  Motion m;
  t.expect("HIERARCHY");
  t.expect("ROOT");
  read_joint(t, m.skeleton, -1);
  // read_joint numbers joints depth first, the order of the MOTION channels.
  t.expect("MOTION");
  t.expect("Frames:");
  const double frames = t.number();
  t.expect("Frame");
  t.expect("Time:");
  const double frame_time = t.number();
  if (!(frames >= 0 && frames < 1e8 && frame_time > 0)) fail(path, "bad frame count or frame time");
  m.fps = 1.0 / frame_time;
  const size_t J = m.skeleton.names.size();
  for (int n = 0; n < static_cast<int>(frames); ++n) {
    const double x = t.number(), y = t.number(), z = t.number();
    m.root_positions.emplace_back(x / kCentimetres, y / kCentimetres, z / kCentimetres);
    std::vector<Eigen::Matrix3d> r(J);
    for (size_t j = 0; j < J; ++j) {
      const double a = t.number(), b = t.number(), c = t.number();
      r[j] = rotation_from_euler_zxy(Eigen::Vector3d(a, b, c) / kDegrees);
    }
    m.rotations.push_back(std::move(r));
  }
  if (!t.done()) fail(path, "has more values than its frames hold");
  return m;
}

}  // namespace hoif
