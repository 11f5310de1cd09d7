#include "hoif/models/graph.h"

#include <torch/torch.h>

namespace hoif {

torch::Tensor skeleton_adjacency(const Skeleton& skeleton) {
  const int64_t J = skeleton.num_joints();
  torch::Tensor a = torch::zeros({J, J});
  for (const auto& [child, parent] : skeleton.edges()) {
    a[child][parent] = 1.0f;
    a[parent][child] = 1.0f;
  }
  return a;
}

torch::Tensor walk_mask(const torch::Tensor& adjacency, int k) {
  torch::Tensor m = torch::eye(adjacency.size(0));
  for (int i = 0; i < k; ++i) m = torch::matmul(m, adjacency);
  return m > 0;
}

MaskedSoftmax::MaskedSoftmax(const torch::Tensor& mask)
    : flat_index_(mask.flatten().nonzero().flatten().to(torch::kLong)), joints_(mask.size(0)) {}

torch::Tensor MaskedSoftmax::initial_weights() const { return torch::ones({1, num_edges()}); }

torch::Tensor MaskedSoftmax::operator()(const torch::Tensor& e) const {
  const torch::Tensor index = flat_index_.to(e.device());
  const torch::Tensor logits = torch::full({joints_ * joints_}, -9e15, e.options()).scatter(0, index, e.view(-1));
  return torch::softmax(logits.view({joints_, joints_}), 1);
}

}  // namespace hoif
