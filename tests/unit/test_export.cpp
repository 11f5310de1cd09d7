// Export: the reloaded TorchScript program, and the ONNX graph run by an independent runtime
// (OpenCV's DNN module), compute what the model computes in eval mode.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <opencv2/dnn.hpp>
#include <torch/script.h>
#include <torch/torch.h>

#include "fixtures.h"
#include "hoif/export/onnx.h"
#include "hoif/export/torchscript.h"
#include "hoif/training/optimizer.h"

using namespace hoif;

namespace {

// A small model after a few training steps, so that weights and running statistics are not at
// their initial values.
std::shared_ptr<LiftingNetwork> trained_small_model(const std::string& name, int joints = 16) {
  torch::manual_seed(7);
  ModelConfig c;
  c.name = name;
  c.joints = joints;
  c.hid_dim = 16;
  c.num_layers = 2;
  auto model = make_network(c);
  const torch::Tensor x = torch::randn({32, joints, 2}) * 0.5, y = torch::randn({32, joints, 3}) * 0.2;
  FusedAdam adam(model->parameters(), torch::optim::AdamOptions(1e-2));
  model->train();
  for (int i = 0; i < 3; ++i) {
    adam.zero_grad();
    torch::mse_loss(model->forward(x), y).backward();
    adam.step();
  }
  return model;
}

}  // namespace

class TorchScriptExport : public ::testing::TestWithParam<std::tuple<const char*, int>> {};

TEST_P(TorchScriptExport, ReloadedProgramMatchesTheModel) {
  const auto [name, joints] = GetParam();
  auto model = trained_small_model(name, joints);
  const ModelConfig& c = model->config();
  const std::string path = (test::temp_dir("torchscript") / fmt::format("{}_{}.pt", name, joints)).string();
  export_torchscript(*model, path);
  torch::jit::Module loaded = torch::jit::load(path);
  torch::NoGradGuard no_grad;
  model->eval();
  const torch::Tensor probe = torch::randn({5, joints, 2}) * 0.5;
  const torch::Tensor want = model->forward(probe);
  const torch::Tensor got = loaded.forward({probe}).toTensor();
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(loaded.attr("model_name").toStringRef(), c.name);
}

namespace {

const auto kAllModels = ::testing::Combine(::testing::Values("martinez", "semgcn", "semgcn-nonlocal", "hgcn", "hoif"),
                                           ::testing::Values(16, 17));

std::string test_name(const ::testing::TestParamInfo<std::tuple<const char*, int>>& info) {
  std::string name = std::get<0>(info.param);
  std::replace(name.begin(), name.end(), '-', '_');
  return name + "_" + std::to_string(std::get<1>(info.param));
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Models, TorchScriptExport, kAllModels, test_name);

class OnnxExport : public ::testing::TestWithParam<std::tuple<const char*, int>> {};

TEST_P(OnnxExport, OpenCvRunsTheGraphAndMatchesTheModel) {
  const auto [name, joints] = GetParam();
  auto model = trained_small_model(name, joints);
  const std::string path = (test::temp_dir("onnx") / fmt::format("{}_{}.onnx", name, joints)).string();
  export_onnx(*model, path);

  cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
  torch::NoGradGuard no_grad;
  model->eval();
  const torch::Tensor probe = torch::randn({5, joints, 2}) * 0.5;
  const torch::Tensor want = model->forward(probe);
  const int shape[] = {5, joints, 2};
  cv::Mat input(3, shape, CV_32F, probe.contiguous().data_ptr<float>());
  net.setInput(input, "poses_2d");
  const cv::Mat output = net.forward("poses_3d");
  ASSERT_EQ(output.total(), static_cast<size_t>(want.numel()));
  const torch::Tensor got = torch::from_blob(const_cast<float*>(output.ptr<float>()), want.sizes(), torch::kFloat);
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Models, OnnxExport,
                         ::testing::Combine(::testing::Values("martinez", "semgcn", "hgcn", "hoif"), ::testing::Values(16, 17)),
                         test_name);

TEST(OnnxExportErrors, NonLocalSaysItIsNotSupported) {
  auto model = trained_small_model("semgcn-nonlocal");
  EXPECT_EQ(test::error_of([&] { export_onnx(*model, "/tmp/x.onnx"); }),
            "/tmp/x.onnx: semgcn-nonlocal cannot be exported to ONNX yet (TorchScript works)");
}

