#pragma once
// Settings every compute command shares: threads, device, Ctrl-C.
#include <string>
#include <vector>

#include <torch/types.h>

namespace hoif::cli {

// Sets LibTorch's intra-op threads (0: every core) and returns the count in use.
int setup_threads(int threads);
// The command line as main() received it (for a command that starts copies of itself).
void set_program_arguments(int argc, char** argv);
const std::vector<std::string>& program_arguments();
torch::Device parse_device(const std::string& name);
// Called first in main(): Ctrl-C (SIGINT) goes to a thread of its own that waits for it, never to a
// signal handler. A handler runs on the stack pointer of whichever thread the signal lands in, and
// oneDNN's JIT GEMM kernels use that register for a heap buffer while they run: a Ctrl-C during
// one corrupted the heap (docs/PERFORMANCE.md, item 16). Without install_interrupt_flag, Ctrl-C
// ends the program as usual, or stays ignored if it was when the program started.
void route_interrupts_to_a_thread();
// After this, Ctrl-C only sets a flag that long loops poll (a second one does not cancel a save).
void install_interrupt_flag();
bool interrupted();

// The detector's model.json: --detector-model when given, else --detector (lightning | thunder |
// PATH.json), a name looked up in $HOIF_DETECTOR_DIR, else models/detector of the checkout the
// program was built in (where scripts/get_detector.sh puts it), else ./models/detector.
std::string detector_model_file(const std::string& detector, const std::string& detector_model = "");

}  // namespace hoif::cli
