// Which process runs a trial, so that another process can tell whether it still does.
#pragma once

#include <optional>

#include "nnlab/tune/storage.h"

namespace nnlab::tune {

WorkerIdentity current_worker();

// true/false when `worker` ran on this machine (is it still running?); nullopt for
// another machine, where only its heartbeat can tell.
std::optional<bool> process_alive(const WorkerIdentity& worker);

}  // namespace nnlab::tune
