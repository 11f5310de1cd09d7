#include "hoif/models/torchscript.h"

#include <torch/script.h>
#include <torch/torch.h>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"
#include "hoif/models/high_order.h"

namespace hoif {

namespace {

// Each family's forward over `layers` (PoseLifter::folded_layers, in order). The graph
// models work joint-major, (J, B, C), as the C++ layers do.
const char* kHighOrder = R"JIT(
def conv(self, x: Tensor, x0: Tensor, i: int, alpha: float, relu: bool, sum_orders: bool) -> Tensor:
    m = self.layers[3 * i]
    w = self.layers[3 * i + 1]
    b = self.layers[3 * i + 2]
    J = x.size(0)
    B = x.size(1)
    O = w.size(1) // 4
    p = torch.matmul(x, w).view(J, B, 4, O)
    out = (1.0 - alpha) * torch.einsum('kji,ibko->jbko', m.view(4, J, J), p)
    if alpha != 0.0:
        out = out + alpha * torch.matmul(x0, w).view(J, B, 4, O)
    if sum_orders:
        out = out.sum(2)
    else:
        out = out.reshape(J, B, 4 * O)
    out = out + b
    if relu:
        out = torch.relu(out)
    return out

def forward(self, poses_2d: Tensor) -> Tensor:
    x = poses_2d.transpose(0, 1).contiguous()
    n = len(self.layers) // 3
    if self.residual_pairs:
        x = self.conv(x, x, 0, 0.0, True, False)
        i = 1
        while i + 1 < n - 1:
            y = self.conv(x, x, i, 0.0, True, False)
            x = x + self.conv(y, y, i + 1, 0.0, True, False)
            i += 2
        out = self.conv(x, x, n - 1, 0.0, False, True)
    else:
        x0 = self.conv(x, x, 0, self.alpha, True, False)
        x = x0
        for i in range(1, n - 1):
            x = self.conv(x, x0, i, self.alpha, True, False)
        out = self.conv(x, x0, n - 1, self.alpha, False, True)
    return out.transpose(0, 1).contiguous()
)JIT";

const char* kSemGcn = R"JIT(
def conv(self, x: Tensor, i: int, relu: bool) -> Tensor:
    m = self.layers[3 * i]
    w = self.layers[3 * i + 1]
    b = self.layers[3 * i + 2]
    J = x.size(0)
    B = x.size(1)
    p = torch.matmul(x.reshape(1, J * B, x.size(2)), w)
    out = torch.mm(m, p.reshape(2 * J, -1)).view(J, B, -1) + b
    if relu:
        out = torch.relu(out)
    return out

def forward(self, poses_2d: Tensor) -> Tensor:
    x = poses_2d.transpose(0, 1).contiguous()
    n = len(self.layers) // 3
    x = self.conv(x, 0, True)
    i = 1
    while i + 1 < n - 1:
        y = self.conv(x, i, True)
        x = x + self.conv(y, i + 1, True)
        i += 2
    return self.conv(x, n - 1, False).transpose(0, 1).contiguous()
)JIT";

const char* kLinear = R"JIT(
def forward(self, poses_2d: Tensor) -> Tensor:
    B = poses_2d.size(0)
    n = len(self.layers) // 2
    y = torch.relu(torch.matmul(poses_2d.reshape(B, -1), self.layers[0]) + self.layers[1])
    i = 1
    while i + 1 < n - 1:
        z = torch.relu(torch.matmul(y, self.layers[2 * i]) + self.layers[2 * i + 1])
        y = y + torch.relu(torch.matmul(z, self.layers[2 * i + 2]) + self.layers[2 * i + 3])
        i += 2
    out = (torch.matmul(y, self.layers[2 * n - 2]) + self.layers[2 * n - 1]).view(B, -1, 3)
    return torch.cat([torch.zeros(B, 1, 3, dtype=out.dtype, device=out.device), out], 1)
)JIT";

}  // namespace

void export_torchscript(PoseLifter& model, const std::string& path) {
  const ModelConfig& c = model.config();
  if (c.name == "semgcn-nonlocal") fail(path, "semgcn-nonlocal cannot be exported to TorchScript yet");
  model.eval();
  std::vector<torch::Tensor> layers;
  {
    torch::NoGradGuard no_grad;
    for (const auto& t : model.folded_layers()) layers.push_back(t.detach().clone().contiguous());
  }
  torch::jit::Module m("HoifLifter");
  m.register_attribute("layers", c10::ListType::ofTensors(), c10::List<torch::Tensor>(layers));
  m.register_attribute("model_name", c10::StringType::get(), c.name);
  m.register_attribute("num_joints", c10::IntType::get(), static_cast<int64_t>(c.joints));
  if (c.name == "hoif" || c.name == "hgcn") {
    m.register_attribute("alpha", c10::FloatType::get(), c.name == "hoif" ? HoifNetModel::kAlpha : 0.0);
    m.register_attribute("residual_pairs", c10::BoolType::get(), c.name == "hgcn");
    m.define(kHighOrder);
  } else if (c.name == "semgcn") {
    m.define(kSemGcn);
  } else {
    m.define(kLinear);
  }
  write_atomically(path, [&](const std::filesystem::path& tmp) { m.save(tmp.string()); });
}

}  // namespace hoif
