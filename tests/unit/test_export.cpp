// TorchScript export: the reloaded program computes what the model computes in eval mode.
#include <gtest/gtest.h>

#include <torch/script.h>
#include <torch/torch.h>

#include "fixtures.h"
#include "hoif/models/torchscript.h"
#include "hoif/training/optimizer.h"

using namespace hoif;

class TorchScriptExport : public ::testing::TestWithParam<const char*> {};

TEST_P(TorchScriptExport, ReloadedProgramMatchesTheModel) {
  torch::manual_seed(7);
  ModelConfig c;
  c.name = GetParam();
  c.hid_dim = 16;
  c.num_layers = 2;
  auto model = make_lifter(c);
  // A few training steps, so that weights and running statistics are not at their initial values.
  const torch::Tensor x = torch::randn({32, 16, 2}) * 0.5, y = torch::randn({32, 16, 3}) * 0.2;
  FusedAdam adam(model->parameters(), torch::optim::AdamOptions(1e-2));
  model->train();
  for (int i = 0; i < 3; ++i) {
    adam.zero_grad();
    torch::mse_loss(model->forward(x), y).backward();
    adam.step();
  }
  const std::string path = (test::temp_dir("torchscript") / (std::string(c.name) + ".pt")).string();
  export_torchscript(*model, path);
  torch::jit::Module loaded = torch::jit::load(path);
  torch::NoGradGuard no_grad;
  model->eval();
  const torch::Tensor probe = torch::randn({5, 16, 2}) * 0.5;
  const torch::Tensor want = model->forward(probe);
  const torch::Tensor got = loaded.forward({probe}).toTensor();
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(loaded.attr("model_name").toStringRef(), c.name);
}

INSTANTIATE_TEST_SUITE_P(Models, TorchScriptExport, ::testing::Values("martinez", "semgcn", "hgcn", "hoif"));

TEST(TorchScriptExportErrors, NonLocalSaysItIsNotSupported) {
  ModelConfig c;
  c.name = "semgcn-nonlocal";
  c.hid_dim = 16;
  c.num_layers = 1;
  auto model = make_lifter(c);
  EXPECT_EQ(test::error_of([&] { export_torchscript(*model, "/tmp/x.pt"); }),
            "/tmp/x.pt: semgcn-nonlocal cannot be exported to TorchScript yet");
}
