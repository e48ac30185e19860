// Which process runs a trial, so that another process can tell whether it still does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace nnlab::tune {

struct WorkerIdentity {
  std::string host;         // hostname and boot id: a reboot is another host
  int64_t pid = 0;
  int64_t start_ticks = 0;  // process start time (clock ticks after boot): tells a reused pid apart
};

WorkerIdentity current_worker();

// true/false when `worker` ran on this machine (is it still running?); nullopt for
// another machine, where only its heartbeat can tell.
std::optional<bool> process_alive(const WorkerIdentity& worker);

}  // namespace nnlab::tune
