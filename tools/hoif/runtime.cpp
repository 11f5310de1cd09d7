#include <malloc.h>

#include "runtime.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <thread>

#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include "hoif/core/error.h"
#include "hoif/detection/movenet.h"

namespace hoif::cli {

namespace {
std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_flag_installed{false};
std::vector<std::string> g_arguments;
}  // namespace

void set_program_arguments(int argc, char** argv) { g_arguments.assign(argv, argv + argc); }
const std::vector<std::string>& program_arguments() { return g_arguments; }

int setup_threads(int threads) {
  if (threads < 0) fail("--threads", "must be 0 (every core) or more");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // More threads than cores only adds switching; thousands of them stall the machine.
  if (threads > cores)
    fmt::print(stderr, "note: --threads {} is more than this machine's {} cores; using {}\n", threads, cores, cores);
  const int n = threads > 0 ? std::min(threads, cores) : cores;
  torch::set_num_threads(n);
  // A training step frees and reallocates activations of a few MB each: keep freed memory in
  // the heap rather than returning it to the kernel and page-faulting it back in every step.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  return n;
}

torch::Device parse_device(const std::string& name) {
  try {
    const torch::Device d(name);
    if (d.is_cuda() && !torch::cuda::is_available()) fail("--device", "'" + name + "' asked for, but this LibTorch has no usable CUDA device");
    return d;
  } catch (const c10::Error&) {
    fail("--device", "unknown device '" + name + "' (cpu, cuda, cuda:1, ...)");
  }
}

void route_interrupts_to_a_thread() {
  // Started with SIGINT ignored (a script's background job): only a training run, which saves
  // on it, takes it, as when it installed a handler.
  struct sigaction inherited {};
  sigaction(SIGINT, nullptr, &inherited);
  const bool ignored = inherited.sa_handler == SIG_IGN;
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  pthread_sigmask(SIG_BLOCK, &interrupt, nullptr);  // in this thread and every thread it starts
  std::thread([interrupt, ignored] {
    int received = 0;
    while (sigwait(&interrupt, &received) == 0) {
      if (g_flag_installed && !g_interrupted.exchange(true)) continue;
      // A second Ctrl-C (a shell or `timeout` often sends two) must not cancel the save under way.
      if (g_flag_installed) {
        std::fputs("hoif: stopping after the save under way (SIGKILL ends it at once)\n", stderr);
        continue;
      }
      if (ignored && !g_flag_installed) continue;
      // Ctrl-C as usual: the default action, taken in this thread, ends the program.
      std::signal(SIGINT, SIG_DFL);
      pthread_sigmask(SIG_UNBLOCK, &interrupt, nullptr);
      raise(SIGINT);
    }
  }).detach();
}

void install_interrupt_flag() { g_flag_installed = true; }
bool interrupted() { return g_interrupted; }

std::string detector_model_file(const std::string& detector, const std::string& detector_model) {
  namespace fs = std::filesystem;
  const std::string& name_or_path = detector_model.empty() ? detector : detector_model;
  std::string folder = "models/detector";
  if (const char* dir = std::getenv("HOIF_DETECTOR_DIR"); dir && *dir) {
    folder = dir;
  } else {
    std::error_code ec;
    const fs::path beside = fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path() / "models" / "detector";
    if (!ec && fs::exists(beside, ec)) folder = beside.string();
  }
  return detector_model_path(name_or_path, folder);
}

}  // namespace hoif::cli
