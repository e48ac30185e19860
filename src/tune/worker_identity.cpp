#include "tune/worker_identity.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace nnlab::tune {

namespace {

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// Field 22 of /proc/PID/stat (starttime). The command name (field 2) is in parentheses and
// may hold spaces, so fields are counted after the last ')'.
std::optional<int64_t> start_ticks_of(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i)
    if (!(fields >> field)) return std::nullopt;
  try {
    return std::stoll(field);
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

WorkerIdentity current_worker() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  WorkerIdentity w;
  w.host = std::string(name) + "/" + boot_id();
  w.pid = getpid();
  w.start_ticks = start_ticks_of(w.pid).value_or(0);
  return w;
}

std::optional<bool> process_alive(const WorkerIdentity& worker) {
  WorkerIdentity self = current_worker();
  // Without a readable /proc (self.start_ticks == 0) only the heartbeat can tell.
  if (worker.host != self.host || self.start_ticks == 0) return std::nullopt;
  auto ticks = start_ticks_of(worker.pid);
  if (!ticks) return false;  // no such process (or /proc hides it: then it is not ours)
  // A zombie still has its /proc entry; its trial is over all the same.
  std::ifstream in("/proc/" + std::to_string(worker.pid) + "/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return false;
  return *ticks == worker.start_ticks;
}

}  // namespace nnlab::tune
