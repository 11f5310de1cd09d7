#include "hoif/io/gltf.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include <Eigen/Geometry>
#include <fmt/format.h>
#include <tiny_gltf.h>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"

namespace hoif {

namespace {

// Appends floats to the single buffer as one accessor (with its own buffer view); returns its index.
int add_accessor(tinygltf::Model& m, const std::vector<float>& values, int type, int count, bool with_bounds = false) {
  tinygltf::Buffer& buffer = m.buffers[0];
  tinygltf::BufferView view;
  view.buffer = 0;
  view.byteOffset = buffer.data.size();
  view.byteLength = values.size() * sizeof(float);
  buffer.data.resize(buffer.data.size() + view.byteLength);
  std::memcpy(buffer.data.data() + view.byteOffset, values.data(), view.byteLength);
  m.bufferViews.push_back(view);
  tinygltf::Accessor a;
  a.bufferView = static_cast<int>(m.bufferViews.size()) - 1;
  a.componentType = TINYGLTF_COMPONENT_TYPE_FLOAT;
  a.count = static_cast<size_t>(count);
  a.type = type;
  if (with_bounds) {  // glTF requires min and max on animation inputs
    a.minValues = {*std::min_element(values.begin(), values.end())};
    a.maxValues = {*std::max_element(values.begin(), values.end())};
  }
  m.accessors.push_back(a);
  return static_cast<int>(m.accessors.size()) - 1;
}

void add_channel(tinygltf::Model& m, int input, int output, int node, const char* path) {
  tinygltf::Animation& anim = m.animations[0];
  tinygltf::AnimationSampler sampler;
  sampler.input = input;
  sampler.output = output;
  sampler.interpolation = "LINEAR";
  anim.samplers.push_back(sampler);
  tinygltf::AnimationChannel channel;
  channel.sampler = static_cast<int>(anim.samplers.size()) - 1;
  channel.target_node = node;
  channel.target_path = path;
  anim.channels.push_back(channel);
}

// The floats of an accessor written by write_glb (tightly packed float data).
std::vector<float> floats_of(const tinygltf::Model& m, int accessor, const std::string& path) {
  if (accessor < 0 || accessor >= static_cast<int>(m.accessors.size())) fail(path, "refers to a missing accessor");
  const tinygltf::Accessor& a = m.accessors[static_cast<size_t>(accessor)];
  const int width = tinygltf::GetNumComponentsInType(static_cast<uint32_t>(a.type));
  if (a.componentType != TINYGLTF_COMPONENT_TYPE_FLOAT || width < 1 || a.bufferView < 0 ||
      a.bufferView >= static_cast<int>(m.bufferViews.size()))
    fail(path, "holds an accessor hoif does not read (not tightly packed floats)");
  const tinygltf::BufferView& v = m.bufferViews[static_cast<size_t>(a.bufferView)];
  const size_t bytes = a.count * static_cast<size_t>(width) * sizeof(float);
  if (v.buffer < 0 || v.buffer >= static_cast<int>(m.buffers.size()) || (v.byteStride != 0 && v.byteStride != width * sizeof(float)) ||
      v.byteOffset + a.byteOffset + bytes > m.buffers[static_cast<size_t>(v.buffer)].data.size())
    fail(path, "has an accessor beyond its buffer");
  std::vector<float> out(a.count * static_cast<size_t>(width));
  std::memcpy(out.data(), m.buffers[static_cast<size_t>(v.buffer)].data.data() + v.byteOffset + a.byteOffset, bytes);
  return out;
}

}  // namespace

void write_glb(const std::string& path, const Motion& motion) {
  const MotionSkeleton& s = motion.skeleton;
  const int J = static_cast<int>(s.names.size()), N = motion.frames();
  tinygltf::Model m;
  m.asset.version = "2.0";
  m.asset.generator = "hoif";
  m.buffers.resize(1);
  for (int j = 0; j < J; ++j) {
    tinygltf::Node node;
    node.name = s.names[static_cast<size_t>(j)];
    const Eigen::Vector3d& o = s.offsets[static_cast<size_t>(j)];
    node.translation = {o.x(), o.y(), o.z()};
    m.nodes.push_back(node);
  }
  for (int j = 1; j < J; ++j) m.nodes[static_cast<size_t>(s.parents[static_cast<size_t>(j)])].children.push_back(j);
  tinygltf::Scene scene;
  scene.nodes = {0};
  m.scenes.push_back(scene);
  m.defaultScene = 0;
  m.animations.resize(1);
  m.animations[0].name = "lifted motion";
  std::vector<float> times(static_cast<size_t>(N));
  for (int n = 0; n < N; ++n) times[static_cast<size_t>(n)] = static_cast<float>(n / motion.fps);
  const int input = add_accessor(m, times, TINYGLTF_TYPE_SCALAR, N, true);
  std::vector<float> root;
  for (const auto& p : motion.root_positions)
    for (int d = 0; d < 3; ++d) root.push_back(static_cast<float>(p[d] + s.offsets[0][d]));
  add_channel(m, input, add_accessor(m, root, TINYGLTF_TYPE_VEC3, N), 0, "translation");
  for (int j = 0; j < J; ++j) {
    std::vector<float> q;
    Eigen::Quaterniond previous(1, 0, 0, 0);
    for (int n = 0; n < N; ++n) {
      Eigen::Quaterniond r(motion.rotations[static_cast<size_t>(n)][static_cast<size_t>(j)]);
      if (r.dot(previous) < 0) r.coeffs() *= -1;  // the nearer of q and -q: LINEAR keys interpolate the short way
      previous = r;
      for (double c : {r.x(), r.y(), r.z(), r.w()}) q.push_back(static_cast<float>(c));  // glTF: x, y, z, w
    }
    add_channel(m, input, add_accessor(m, q, TINYGLTF_TYPE_VEC4, N), j, "rotation");
  }
  std::ostringstream glb;
  tinygltf::TinyGLTF writer;
  if (!writer.WriteGltfSceneToStream(&m, glb, false, true)) fail(path, "the glTF scene cannot be serialised");
  write_file_atomically(path, glb.str());
}

Motion read_glb(const std::string& path) {
  tinygltf::Model m;
  tinygltf::TinyGLTF loader;
  std::string error, warning;
  if (!loader.LoadBinaryFromFile(&m, &error, &warning, path))
    fail(path, "not a readable glTF binary (" + error.substr(0, error.find('\n')) + ")");
  if (m.nodes.empty() || m.animations.empty()) fail(path, "holds no skeleton animation");
  Motion motion;
  const size_t J = m.nodes.size();
  motion.skeleton.parents.assign(J, -1);
  for (size_t j = 0; j < J; ++j) {
    const tinygltf::Node& node = m.nodes[j];
    motion.skeleton.names.push_back(node.name);
    if (node.translation.size() != 3) fail(path, "node " + node.name + " has no translation");
    motion.skeleton.offsets.emplace_back(node.translation[0], node.translation[1], node.translation[2]);
    for (int c : node.children) {
      if (c <= static_cast<int>(j) || c >= static_cast<int>(J)) fail(path, "nodes are not in hoif's order (parents first)");
      motion.skeleton.parents[static_cast<size_t>(c)] = static_cast<int>(j);
    }
  }
  const tinygltf::Animation& anim = m.animations[0];
  if (anim.channels.empty()) fail(path, "its animation has no channels");
  const std::vector<float> times = floats_of(m, anim.samplers.at(static_cast<size_t>(anim.channels[0].sampler)).input, path);
  const size_t N = times.size();
  motion.fps = N > 1 ? (N - 1) / static_cast<double>(times.back() - times.front()) : 50.0;
  motion.root_positions.assign(N, Eigen::Vector3d::Zero());
  motion.rotations.assign(N, std::vector<Eigen::Matrix3d>(J, Eigen::Matrix3d::Identity()));
  for (const auto& channel : anim.channels) {
    const std::vector<float> v = floats_of(m, anim.samplers.at(static_cast<size_t>(channel.sampler)).output, path);
    const size_t node = static_cast<size_t>(channel.target_node);
    const size_t width = channel.target_path == "rotation" ? 4 : 3;
    if (node >= J || v.size() != N * width) fail(path, "an animation channel does not match the keys");
    for (size_t n = 0; n < N; ++n) {
      const float* x = &v[n * width];
      if (channel.target_path == "rotation")
        motion.rotations[n][node] = Eigen::Quaterniond(x[3], x[0], x[1], x[2]).normalized().toRotationMatrix();
      else if (channel.target_path == "translation" && node == 0)
        motion.root_positions[n] = Eigen::Vector3d(x[0], x[1], x[2]) - motion.skeleton.offsets[0];
    }
  }
  return motion;
}

}  // namespace hoif
