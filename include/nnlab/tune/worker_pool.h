// K worker processes on one study: the tuner runs itself K times (each a worker on the
// same storage) and waits. A worker dies with the tuner (PR_SET_PDEATHSIG), so killing the
// tuner stops them all, and the next run recovers their trials.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace nnlab::tune {

struct WorkerExit {
  int index = 0;
  bool ok = false;
  std::string description;  // "exited with status 1", "was killed by signal 9 (Killed)"
};

// Starts one process per argv (stdout and stderr shared with this process) and waits for all.
// Once *stop is set, passes SIGTERM on to the workers (each then interrupts its trial).
std::vector<WorkerExit> run_worker_processes(const std::vector<std::vector<std::string>>& argvs,
                                             const std::atomic<bool>* stop);

}  // namespace nnlab::tune
