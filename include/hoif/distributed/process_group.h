#pragma once
// The processes (ranks) of one data-parallel run and the few collectives training needs, on
// LibTorch's c10d with the Gloo backend: a TCPStore at rank 0's address for the rendezvous, then
// Gloo's allreduce and broadcast. Launched as PyTorch's launcher does (MASTER_ADDR, MASTER_PORT,
// WORLD_SIZE, RANK). Every failure — an unreachable rank 0, a rank that dies or stops answering —
// becomes one hoif::Error line naming this rank, never a hang: a dead peer is noticed as soon as
// its connections close, a silent one after `timeout`.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace hoif {

struct DistributedOptions {
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  int world_size = 1;
  int rank = 0;
  std::chrono::seconds timeout{300};  // the longest wait for the other ranks at any one point

  bool distributed() const { return world_size > 1; }
  // PyTorch's launcher variables; those unset keep the defaults above.
  static DistributedOptions from_environment();
  // "tcp://HOST:PORT" into master_addr and master_port (one error line when malformed).
  void set_url(const std::string& url);
  // Refuses a world size below 1, a rank outside [0, world_size) or a port outside [1, 65535].
  void check() const;
};

class ProcessGroup {
 public:
  // Joins the run: rank 0 listens at master_addr:master_port, the others connect to it; returns
  // once all world_size ranks are there.
  static std::unique_ptr<ProcessGroup> join(const DistributedOptions& options);
  virtual ~ProcessGroup() = default;

  int rank() const { return options_.rank; }
  int size() const { return options_.world_size; }
  // "rank R of N": how errors name this process.
  std::string name() const { return "rank " + std::to_string(rank()) + " of " + std::to_string(size()); }

  // Every rank's `values` replaced by their element-wise sum over the ranks (allreduce).
  virtual void sum(torch::Tensor& values) = 0;
  void sum(double* values, int64_t count);
  // Rank 0's `bytes` on every rank.
  virtual void broadcast(std::string& bytes) = 0;
  // True on every rank if `flag` is true on any.
  bool any(bool flag);
  // Collectives (sums and broadcasts) so far: their count, not their size, bounds a run's speed
  // over a network with latency.
  int64_t collectives() const { return collectives_; }

 protected:
  explicit ProcessGroup(DistributedOptions options) : options_(std::move(options)) {}
  DistributedOptions options_;
  int64_t collectives_ = 0;
};

}  // namespace hoif
