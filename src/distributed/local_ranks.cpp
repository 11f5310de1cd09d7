#include "hoif/distributed/local_ranks.h"

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "hoif/core/error.h"

extern char** environ;

namespace hoif {

namespace {

// This process's environment with the launcher's variables replaced.
std::vector<std::string> rank_environment(int rank, int nproc, int port) {
  const std::vector<std::string> ours = {"MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "LOCAL_RANK",
                                         "LOCAL_WORLD_SIZE"};
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    if (std::find(ours.begin(), ours.end(), name) == ours.end()) env.push_back(entry);
  }
  for (const std::string& v : {fmt::format("MASTER_ADDR=127.0.0.1"), fmt::format("MASTER_PORT={}", port),
                               fmt::format("WORLD_SIZE={}", nproc), fmt::format("RANK={}", rank),
                               fmt::format("LOCAL_RANK={}", rank), fmt::format("LOCAL_WORLD_SIZE={}", nproc)})
    env.push_back(v);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t spawn_rank(int rank, const LocalRanks& launch, int port) {
  std::vector<std::string> argv = {"hoif"};
  argv.insert(argv.end(), launch.arguments.begin(), launch.arguments.end());
  std::vector<std::string> env = rank_environment(rank, launch.nproc, port);
  // The ranks start with no signal blocked (this process routes Ctrl-C to a thread of its own), in
  // a process group of their own: a Ctrl-C at the terminal reaches only the launcher, which passes
  // it on once.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, "/proc/self/exe", nullptr, &attributes, c_strings(argv).data(),
                                c_strings(env).data());
  posix_spawnattr_destroy(&attributes);
  if (error != 0) fail("--nproc", fmt::format("could not start rank {} ({})", rank, std::strerror(error)));
  return pid;
}

int exit_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  if (fd >= 0) close(fd);
  if (!ok) fail("--nproc", "found no free TCP port on 127.0.0.1 for the ranks to meet at");
  return ntohs(address.sin_port);
}

int run_local_ranks(const LocalRanks& launch) {
  if (launch.nproc < 1) fail("--nproc", "must be at least 1");
  const int port = launch.port > 0 ? launch.port : free_loopback_port();
  std::vector<pid_t> ranks;
  for (int r = 0; r < launch.nproc; ++r) ranks.push_back(spawn_rank(r, launch, port));
  int result = 0, running = launch.nproc;
  bool forwarded = false;
  std::chrono::steady_clock::time_point first_failure{};
  while (running > 0) {
    int status = 0;
    const pid_t done = waitpid(-1, &status, WNOHANG);
    if (done > 0) {
      for (auto& pid : ranks)
        if (pid == done) {
          pid = 0;
          --running;
          if (exit_status(status) != 0 && result == 0) {
            result = exit_status(status);
            first_failure = std::chrono::steady_clock::now();
          }
        }
      continue;
    }
    if (launch.interrupted && !forwarded && launch.interrupted()) {
      forwarded = true;
      for (pid_t pid : ranks)
        if (pid > 0) kill(pid, SIGINT);
    }
    // The others normally stop by themselves once a rank is gone; after the grace, they are ended.
    if (result != 0 && std::chrono::steady_clock::now() - first_failure > launch.grace)
      for (pid_t pid : ranks)
        if (pid > 0) kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return result;
}

}  // namespace hoif
