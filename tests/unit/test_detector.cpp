// The TensorFlow.js graph reader, op by op on tiny hand-made graphs with hand-computed results;
// MoveNet against TensorFlow.js's own runtime (tests/fixtures/detector/tfjs_reference.json);
// the tracker's crop regions against hand-computed squares.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "fixtures.h"
#include "hoif/core/error.h"
#include "hoif/detection/movenet.h"
#include "hoif/detection/pose_tracker.h"
#include "hoif/detection/tfjs_graph.h"

namespace hoif {
namespace {

using nlohmann::json;
using torch::Tensor;

std::string base64(const std::string& bytes) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 2]);
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? digits[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? digits[v & 63] : '=';
  }
  return out;
}

json s_attr(const std::string& s) { return {{"s", base64(s)}}; }
json ints_attr(const std::vector<int>& v) {
  json list = json::array();
  for (int x : v) list.push_back(std::to_string(x));
  return {{"list", {{"i", list}}}};
}

// A graph written the way tfjs-converter writes one: nodes, a manifest, the weights' bytes.
struct GraphMaker {
  json nodes = json::array(), specs = json::array();
  std::string bytes;

  void placeholder(const std::string& name) { nodes.push_back({{"name", name}, {"op", "Placeholder"}}); }
  void constant(const std::string& name, const std::vector<int64_t>& shape, const std::vector<float>& v) {
    nodes.push_back({{"name", name}, {"op", "Const"}});
    specs.push_back({{"name", name}, {"shape", shape}, {"dtype", "float32"}});
    bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
  void ints(const std::string& name, const std::vector<int64_t>& shape, const std::vector<int32_t>& v) {
    nodes.push_back({{"name", name}, {"op", "Const"}});
    specs.push_back({{"name", name}, {"shape", shape}, {"dtype", "int32"}});
    bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int32_t));
  }
  void op(const std::string& name, const std::string& op, const std::vector<std::string>& inputs, json attr = json::object()) {
    nodes.push_back({{"name", name}, {"op", op}, {"input", inputs}, {"attr", attr}});
  }
  std::string text() const {
    return json{{"format", "graph-model"},
                {"modelTopology", {{"node", nodes}}},
                {"weightsManifest", json::array({{{"paths", {"w.bin"}}, {"weights", specs}}})}}
        .dump();
  }
  TfjsGraph build() const { return TfjsGraph::parse(text(), bytes, "test.json"); }
  Tensor run(const std::string& output, const Tensor& x) const { return build().run({{"x", x}}, {output})[0]; }
};

Tensor nhwc(const std::vector<float>& v, int64_t h, int64_t w, int64_t c) {
  return torch::tensor(v).reshape({1, h, w, c});
}

void expect_values(const Tensor& t, const std::vector<float>& expected) {
  const Tensor f = t.to(torch::kFloat).contiguous().flatten();
  ASSERT_EQ(f.numel(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(f[static_cast<int64_t>(i)].item<float>(), expected[i], 1e-5) << i;
}

TEST(TfjsOps, Conv2DSameStride2PadsTheEndOnly) {
  // 4x4 input 1..16, a 3x3 filter of ones, stride 2: TensorFlow pads one row and column at the
  // bottom and right, so the outputs are sums of these 3x3 (or cut) windows.
  GraphMaker g;
  g.placeholder("x");
  g.constant("w", {3, 3, 1, 1}, std::vector<float>(9, 1.0f));
  g.op("y", "Conv2D", {"x", "w"}, {{"strides", ints_attr({1, 2, 2, 1})}, {"padding", s_attr("SAME")}, {"data_format", s_attr("NHWC")}});
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i + 1);
  expect_values(g.run("y", nhwc(x, 4, 4, 1)), {1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11, 3 + 4 + 7 + 8 + 11 + 12,
                                               9 + 10 + 11 + 13 + 14 + 15, 11 + 12 + 15 + 16});
}

TEST(TfjsOps, FusedConvAddsBiasThenClampsToSix) {
  GraphMaker g;
  g.placeholder("x");
  g.constant("w", {1, 1, 2, 2}, {1, 2, 3, 4});  // [kh, kw, in, out]: out0 = x0 + 3 x1, out1 = 2 x0 + 4 x1
  g.constant("b", {2}, {0.5f, -7});
  g.op("y", "_FusedConv2D", {"x", "w", "b"},
       {{"strides", ints_attr({1, 1, 1, 1})}, {"padding", s_attr("VALID")}, {"fused_ops", {{"list", {{"s", {base64("BiasAdd"), base64("Relu6")}}}}}}});
  // pixel (1, 1): 1 + 3 + 0.5 = 4.5 and 2 + 4 - 7 = -1 -> 0; pixel (2, 2): 8.5 -> 6 and 12 - 7 = 5
  expect_values(g.run("y", nhwc({1, 1, 2, 2}, 1, 2, 2)), {4.5f, 0, 6, 5});
}

TEST(TfjsOps, DepthwiseConvOrdersChannelsInputMajor) {
  GraphMaker g;
  g.placeholder("x");
  g.constant("w", {1, 1, 2, 2}, {10, 20, 30, 40});  // [kh, kw, in, multiplier]
  g.op("y", "DepthwiseConv2dNative", {"x", "w"}, {{"strides", ints_attr({1, 1, 1, 1})}, {"padding", s_attr("SAME")}});
  // output channel k * 2 + m = input k times w[k][m]
  expect_values(g.run("y", nhwc({1, 2}, 1, 1, 2)), {10, 20, 60, 80});
}

TEST(TfjsOps, ResizeBilinearWithHalfPixelCentres) {
  GraphMaker g;
  g.placeholder("x");
  g.ints("size", {2}, {1, 4});
  g.op("y", "ResizeBilinear", {"x", "size"}, {{"half_pixel_centers", {{"b", true}}}, {"align_corners", {{"b", false}}}});
  // source positions (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to the row [0, 1]
  expect_values(g.run("y", nhwc({0, 1}, 1, 2, 1)), {0, 0.25f, 0.75f, 1});
}

TEST(TfjsOps, GatherNdArgMaxFloorDivAndCast) {
  GraphMaker g;
  g.placeholder("x");
  g.ints("idx", {2, 2}, {1, 2, 0, 0});
  g.op("gather", "GatherNd", {"x", "idx"});
  g.ints("axis", {}, {1});
  g.op("argmax", "ArgMax", {"x", "axis"}, {{"output_type", {{"type", "DT_INT32"}}}});
  g.ints("minus7", {}, {-7});
  g.ints("two", {}, {2});
  g.op("floordiv", "FloorDiv", {"minus7", "two"});
  g.op("cast", "Cast", {"x"}, {{"DstT", {{"type", "DT_INT32"}}}});
  const TfjsGraph graph = g.build();
  const Tensor x = torch::tensor({1.0f, 2.7f, 3.0f, -4.0f, 5.0f, -2.7f}).reshape({2, 3});
  const auto out = graph.run({{"x", x}}, {"gather", "argmax", "floordiv", "cast"});
  expect_values(out[0], {-2.7f, 1.0f});
  expect_values(out[1], {2, 1});
  EXPECT_EQ(out[1].scalar_type(), torch::kInt);
  expect_values(out[2], {-4});
  expect_values(out[3], {1, 2, 3, -4, 5, -2});  // truncation toward zero, as TensorFlow
}

TEST(TfjsOps, ShapeOpsAndArithmetic) {
  GraphMaker g;
  g.placeholder("x");  // (2, 2)
  g.op("parts", "Unpack", {"x"}, {{"num", {{"i", "2"}}}, {"axis", {{"i", "0"}}}});
  g.op("pair", "Pack", {"parts:1", "parts"}, {{"N", {{"i", "2"}}}, {"axis", {{"i", "1"}}}});  // (2, 2) columns swapped rows
  g.ints("zero", {}, {0});
  g.op("cat", "ConcatV2", {"parts", "parts:1", "zero"});
  g.ints("shape", {3}, {1, -1, 1});
  g.op("reshaped", "Reshape", {"cat", "shape"});
  g.op("squeezed", "Squeeze", {"reshaped"}, {{"squeeze_dims", ints_attr({0, 2})}});
  g.op("expanded", "ExpandDims", {"squeezed", "zero"});
  g.op("sqdiff", "SquaredDifference", {"parts", "parts:1"});
  g.op("root", "Sqrt", {"sqdiff"});
  g.op("ratio", "RealDiv", {"root", "parts:1"});
  g.op("sig", "Sigmoid", {"zero_f"});
  g.constant("zero_f", {}, {0});
  const auto out = g.build().run({{"x", torch::tensor({1.0f, 2.0f, 5.0f, 4.0f}).reshape({2, 2})}},
                                 {"pair", "expanded", "ratio", "sig"});
  expect_values(out[0], {5, 1, 4, 2});
  EXPECT_EQ(out[1].sizes(), (std::vector<int64_t>{1, 4}));
  expect_values(out[1], {1, 2, 5, 4});
  expect_values(out[2], {4.0f / 5, 2.0f / 4});
  expect_values(out[3], {0.5f});
}

TEST(TfjsGraphErrors, NamedInOneLine) {
  GraphMaker g;
  g.placeholder("x");
  g.op("y", "Softplus", {"x"});
  std::string e = test::error_of([&] { g.build(); });
  EXPECT_NE(e.find("test.json: node 'y': op 'Softplus' is not supported"), std::string::npos) << e;

  GraphMaker short_weights;
  short_weights.constant("w", {4}, {1, 2, 3, 4});
  short_weights.bytes.resize(8);
  e = test::error_of([&] { short_weights.build(); });
  EXPECT_NE(e.find("weight 'w' needs 16 bytes and the weight files hold 8 more"), std::string::npos) << e;

  GraphMaker cycle;
  cycle.op("a", "Identity", {"b"});
  cycle.op("b", "Identity", {"a"});
  EXPECT_NE(test::error_of([&] { cycle.build(); }).find("cycle"), std::string::npos);

  GraphMaker missing;
  missing.op("a", "Identity", {"nowhere"});
  EXPECT_NE(test::error_of([&] { missing.build(); }).find("'nowhere', which is not in the graph"), std::string::npos);

  EXPECT_NE(test::error_of([] { TfjsGraph::parse("{\"modelTopology\": 3", "", "m.json"); }).find("m.json: "), std::string::npos);
  EXPECT_NE(test::error_of([] { TfjsGraph::load("/nonexistent/model.json"); }).find("scripts/get_detector.sh"), std::string::npos);
}

TEST(TfjsGraph, DecodesFloat16Weights) {
  // 1.5 and -2 as IEEE half floats: 0x3E00 and 0xC000.
  const json model = {{"modelTopology", {{"node", {{{"name", "w"}, {"op", "Const"}}}}}},
                      {"weightsManifest", {{{"paths", {"w.bin"}}, {"weights", {{{"name", "w"}, {"shape", {2}}, {"dtype", "float32"},
                                                                                 {"quantization", {{"dtype", "float16"}}}}}}}}}};
  const std::string bytes("\x00\x3e\x00\xc0", 4);
  const TfjsGraph graph = TfjsGraph::parse(model.dump(), bytes, "half.json");
  expect_values(graph.run({}, {"w"})[0], {1.5f, -2.0f});
}

// ------------------------------------------------------------------ MoveNet

std::string detector_folder() { return (std::filesystem::path(HOIF_SOURCE_DIR) / "models" / "detector").string(); }

// The fixture's synthetic patterns (the same formulas as tools/tfjs_reference/movenet_reference.mjs).
int pattern_value(const std::string& pattern, int y, int x, int c) {
  if (pattern == "ramp") return (x * 7 + y * 3 + c * 50) % 256;
  return (((x / 16) + (y / 16)) % 2) * 200 + c * 20;
}

std::vector<uint8_t> fixture_input(const json& input, int S) {
  std::vector<uint8_t> bytes(static_cast<size_t>(S) * S * 3);
  if (input["kind"] == "synthetic") {
    for (int y = 0; y < S; ++y)
      for (int x = 0; x < S; ++x)
        for (int c = 0; c < 3; ++c) bytes[(static_cast<size_t>(y) * S + x) * 3 + c] = static_cast<uint8_t>(pattern_value(input["pattern"], y, x, c));
    return bytes;
  }
  const std::string command = "ffmpeg -v error -i '" + input["file"].get<std::string>() + "' -vf '" + input["filter"].get<std::string>() +
                              ",scale=" + std::to_string(S) + ":" + std::to_string(S) + ":flags=area' -frames:v 1 -f rawvideo -pix_fmt rgb24 -";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {};
  const size_t got = fread(bytes.data(), 1, bytes.size(), pipe);
  pclose(pipe);
  if (got != bytes.size()) return {};
  return bytes;
}

std::vector<uint32_t> checksum(const std::vector<uint8_t>& bytes) {
  uint32_t sum = 0, weighted = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    sum += bytes[i];
    weighted += static_cast<uint32_t>((i % 65521) + 1) * bytes[i];
  }
  return {sum, weighted};
}

TEST(MoveNet, MatchesTensorFlowJsOnTheFixtures) {
  if (!std::filesystem::exists(detector_folder() + "/movenet-thunder.json")) GTEST_SKIP() << "run scripts/get_detector.sh";
  std::ifstream in(test::fixture_path("detector/tfjs_reference.json"));
  const json reference = json::parse(in);
  std::map<std::string, std::unique_ptr<MoveNet>> models;
  int checked = 0;
  double largest = 0;
  for (const json& c : reference["cases"]) {
    const std::string name = c["model"];
    if (!models[name]) models[name] = std::make_unique<MoveNet>(detector_model_path(name, detector_folder()));
    const int S = c["size"];
    ASSERT_EQ(models[name]->input_size(), S);
    const std::vector<uint8_t> bytes = fixture_input(c["input"], S);
    if (bytes.empty()) {
      ADD_FAILURE() << "cannot make the input " << c["input"].dump() << " (ffmpeg and opencv-doc are installed by scripts/setup.sh)";
      continue;
    }
    ASSERT_EQ(checksum(bytes), c["checksum"].get<std::vector<uint32_t>>()) << c["input"].dump() << ": not the fixture's input";
    const Tensor input = torch::from_blob(const_cast<uint8_t*>(bytes.data()), {S, S, 3}, torch::kByte).clone();
    const Tensor out = models[name]->run_raw(input);
    for (int j = 0; j < kCocoJoints; ++j)
      for (int k = 0; k < 3; ++k) {
        const double difference = std::abs(out[j][k].item<float>() - c["output"][j][k].get<double>());
        EXPECT_LE(difference, 1e-3) << name << " " << c["input"].dump() << " joint " << j;
        largest = std::max(largest, difference);
      }
    ++checked;
  }
  EXPECT_EQ(checked, 8);
  std::printf("largest difference from TensorFlow.js: %.2e (normalised coordinates and scores)\n", largest);
}

// ------------------------------------------------------------------ tracking

TEST(PoseTracker, WholeImageIsAPaddedSquare) {
  // 640 x 480: the square is 640 px, 80 px above and below the image.
  const CropRegion r = whole_image_region(640, 480);
  EXPECT_DOUBLE_EQ(r.x_min, 0);
  EXPECT_DOUBLE_EQ(r.x_max, 1);
  EXPECT_DOUBLE_EQ(r.y_min * 480, -80);
  EXPECT_DOUBLE_EQ(r.y_max * 480, 560);
}

TEST(PoseTracker, CropFollowsTheTorso) {
  // Hips at (300, 300) and (340, 300), shoulders 100 px above; a knee 150 px below the hips.
  CocoPose p{};
  p[11] = {300, 300, 0.9f};
  p[12] = {340, 300, 0.9f};
  p[5] = {300, 200, 0.9f};
  p[6] = {340, 200, 0.9f};
  p[13] = {300, 450, 0.9f};
  p[0] = {320, 100, 0.1f};  // below the threshold: not part of the body's extent
  // centre (320, 300); torso extent 100 (y) -> 190; body 150 (y) -> 180; half = 190
  const CropRegion r = next_crop_region(p, 640, 480);
  EXPECT_NEAR(r.x_min * 640, 320 - 190, 1e-9);
  EXPECT_NEAR(r.x_max * 640, 320 + 190, 1e-9);
  EXPECT_NEAR(r.y_min * 480, 300 - 190, 1e-9);
  EXPECT_NEAR(r.y_max * 480, 300 + 190, 1e-9);
  p[5].score = p[6].score = 0.1f;  // no shoulder seen: the whole image again
  EXPECT_FALSE(torso_visible(p));
  EXPECT_DOUBLE_EQ(next_crop_region(p, 640, 480).y_min, whole_image_region(640, 480).y_min);
}

}  // namespace
}  // namespace hoif
