#include "hoif/models/batch_shard.h"

#include <atomic>

namespace hoif {

namespace {
// Process-wide rather than per thread: autograd may run a backward pass on a thread of its own.
std::atomic<const BatchShard*> g_shard{nullptr};
}  // namespace

void set_batch_shard(const BatchShard* shard) { g_shard = shard; }
const BatchShard* batch_shard() { return g_shard; }

}  // namespace hoif
