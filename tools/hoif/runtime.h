#pragma once
// Settings every compute command shares: threads, device, Ctrl-C.
#include <string>

#include <torch/types.h>

namespace hoif::cli {

// Sets LibTorch's intra-op threads (0: every core) and returns the count in use.
int setup_threads(int threads);
torch::Device parse_device(const std::string& name);
// After this, the first Ctrl-C only sets a flag that long loops poll; a second one ends the program.
void install_interrupt_flag();
bool interrupted();

}  // namespace hoif::cli
