#include "hoif/inference/predict.h"

#include <cstring>

#include <torch/torch.h>

#include "hoif/core/error.h"
#include "hoif/inference/mirror.h"
#include "hoif/geometry/skeleton.h"

namespace hoif {

ArrayF predict_poses(LiftingNetwork& model, const ArrayF& inputs, const torch::Device& device, bool flip_test, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  model.eval();
  const int64_t n = inputs.dim(0), J = inputs.dim(1);
  const Skeleton& skeleton = h36m_skeleton_for(static_cast<int>(J), "the poses to lift");
  ArrayF out({n, J, 3});
  const torch::Tensor all = torch::from_blob(const_cast<float*>(inputs.data()), {n, J, 2}, torch::kFloat);
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t len = std::min(batch_size, n - start);
    const torch::Tensor x = all.narrow(0, start, len).to(device);
    torch::Tensor y = model.forward(x);
    if (flip_test) y = 0.5f * (y + mirror_poses(model.forward(mirror_poses(x, skeleton)), skeleton));
    y = y.to(torch::kCPU).contiguous();
    std::memcpy(out.data() + start * J * 3, y.data_ptr<float>(), static_cast<size_t>(len * J * 3) * sizeof(float));
  }
  if (!all_finite(out)) fail("the model", "predicted poses that are not finite (NaN or Inf): its weights or its inputs are broken");
  return out;
}

}  // namespace hoif
