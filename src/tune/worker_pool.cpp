#include "nnlab/tune/worker_pool.h"

#include <signal.h>

#include <memory>

#include "tune/subprocess.h"

namespace nnlab::tune {

std::vector<WorkerExit> run_worker_processes(const std::vector<std::vector<std::string>>& argvs,
                                             const std::atomic<bool>* stop) {
  std::vector<std::unique_ptr<Subprocess>> workers;
  for (auto& argv : argvs) {
    SubprocessOptions o;
    o.argv = argv;
    o.capture_output = false;
    o.own_process_group = false;  // a Ctrl-C on the terminal reaches the workers too
    o.death_signal = SIGTERM;     // a worker whose tuner dies ends its trial cleanly
    workers.push_back(std::make_unique<Subprocess>(o));
  }
  bool forwarded = false;
  auto ignore = [](const std::string&) {};
  for (;;) {
    bool all_done = true;
    for (auto& w : workers) all_done &= w->pump(std::chrono::milliseconds(20), ignore);
    if (all_done) break;
    if (stop && stop->load() && !forwarded) {
      for (auto& w : workers) w->send_signal(SIGTERM);
      forwarded = true;
    }
  }
  std::vector<WorkerExit> exits;
  for (size_t i = 0; i < workers.size(); ++i)
    exits.push_back({static_cast<int>(i), workers[i]->status()->success(), workers[i]->status()->describe()});
  return exits;
}

}  // namespace nnlab::tune
