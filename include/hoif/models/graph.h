#pragma once
// The graph machinery shared by SemGCN, HGCN and HOIF-Net: the skeleton's adjacency, walk
// masks, and learnable edge weights turned into a row-softmax mixing matrix.
#include <torch/types.h>

#include "hoif/geometry/skeleton.h"

namespace hoif {

// Symmetric 0/1 adjacency of the bones, without self loops, (J, J) float.
torch::Tensor skeleton_adjacency(const Skeleton& skeleton);
// Pairs joined by a walk of exactly k steps: (A^k > 0); k = 0 gives the identity. Bool (J, J).
torch::Tensor walk_mask(const torch::Tensor& adjacency, int k);

// Edge weights over a (J, J) mask: one learnable value per true entry, in row-major order as the
// originals fill them, initialised to 1. The mixing matrix is the row-softmax of a matrix holding
// the weights on the mask and -9e15 elsewhere, so each row mixes only its masked neighbours.
// The layer owns the weight tensor (so parameter names match the originals); this holds the layout.
class MaskedSoftmax {
 public:
  explicit MaskedSoftmax(const torch::Tensor& mask);
  torch::Tensor initial_weights() const;                  // (1, nnz) ones
  torch::Tensor operator()(const torch::Tensor& e) const;  // (J, J)
  int64_t num_edges() const { return flat_index_.size(0); }
  int64_t num_joints() const { return joints_; }

 private:
  torch::Tensor flat_index_;  // positions of the mask's entries in the flattened matrix
  int64_t joints_;
};

}  // namespace hoif
