#include "hoif/export/torchscript.h"

#include <sstream>

#include <torch/script.h>
#include <torch/torch.h>

#include "hoif/core/atomic_file.h"

namespace hoif {

namespace {

// Each family's forward over `layers` (LiftingNetwork::folded_layers, in order). The graph
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

def nonlocal_block(self, x: Tensor, i: int) -> Tensor:
    t = self.layers
    s = 3 * self.num_graph_layers + 11 * i
    J = x.size(0)
    B = x.size(1)
    xg = x.index_select(0, t[s])
    inter = t[s + 2].size(1)
    gs = self.group_size
    N = J // gs
    g = (torch.matmul(xg, t[s + 2]) + t[s + 3]).narrow(0, 0, N * gs).reshape(N, gs, B, inter).amax(1)
    theta = torch.matmul(xg, t[s + 4]) + t[s + 5]
    phi = (torch.matmul(xg, t[s + 6]) + t[s + 7]).narrow(0, 0, N * gs).reshape(N, gs, B, inter).amax(1)
    a = torch.matmul(theta, t[s + 8][0])
    c = torch.matmul(phi, t[s + 8][1])
    f = torch.relu(a.t().unsqueeze(2) + c.t().unsqueeze(1)) / N
    y = torch.bmm(f, g.transpose(0, 1))
    z = (torch.matmul(y, t[s + 9]) + t[s + 10]).transpose(0, 1) + xg
    return z.index_select(0, t[s + 1])

def forward(self, poses_2d: Tensor) -> Tensor:
    x = poses_2d.transpose(0, 1).contiguous()
    n = self.num_graph_layers
    x = self.conv(x, 0, True)
    k = 0
    if self.num_nonlocal > 0:
        x = self.nonlocal_block(x, k)
        k += 1
    i = 1
    while i + 1 < n - 1:
        y = self.conv(x, i, True)
        x = x + self.conv(y, i + 1, True)
        if self.num_nonlocal > 0:
            x = self.nonlocal_block(x, k)
            k += 1
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

void export_torchscript(LiftingNetwork& model, const std::string& path) {
  const ModelConfig& c = model.config();
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
  const FoldedForm form = model.folded_form();
  switch (form.kind) {
    case FoldedForm::Kind::high_order:
      m.register_attribute("alpha", c10::FloatType::get(), form.alpha);
      m.register_attribute("residual_pairs", c10::BoolType::get(), form.residual_pairs);
      m.define(kHighOrder);
      break;
    case FoldedForm::Kind::semantic_graph:
      m.register_attribute("num_graph_layers", c10::IntType::get(), form.graph_layers);
      m.register_attribute("num_nonlocal", c10::IntType::get(), form.nonlocal_blocks);
      m.register_attribute("group_size", c10::IntType::get(), form.group_size);
      m.define(kSemGcn);
      break;
    case FoldedForm::Kind::linear:
      m.define(kLinear);
      break;
  }
  // In memory first, then checked I/O: LibTorch's file writer ends the program on a full disk.
  std::ostringstream program;
  m.save(program);
  write_file_atomically(path, program.str());
}

}  // namespace hoif
