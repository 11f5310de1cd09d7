#pragma once
// One machine's ranks started by hoif itself (`hoif train --nproc N`), as torchrun
// --nproc-per-node does: N copies of this program with MASTER_ADDR=127.0.0.1, MASTER_PORT,
// WORLD_SIZE, RANK and LOCAL_RANK set. When one rank fails the others are given `grace` to notice
// (they stop with their own error) and are then ended, so the launcher never hangs.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace hoif {

struct LocalRanks {
  int nproc = 1;
  int port = 0;                       // 0: a free port on the loopback interface
  std::vector<std::string> arguments;  // the program's arguments, without the launcher's own
  std::chrono::seconds grace{30};
  std::function<bool()> interrupted;  // polled; when true, each rank is sent SIGINT once
};

// Returns the ranks' exit status: 0 when all succeed, else the first failing rank's.
int run_local_ranks(const LocalRanks& launch);

// A TCP port on 127.0.0.1 that nothing listens on at the time of the call.
int free_loopback_port();

}  // namespace hoif
