// Runs a program as a child process and measures it: exit status, wall time and peak
// resident memory (getrusage's ru_maxrss of that one child, via wait4). cnn-compare runs
// each model's training this way so that one model's memory is not another's.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace nnlab::experiments {

struct ChildResult {
  bool exited = false;  // a normal exit, with `code`; else killed by `signal`
  int code = 0, signal = 0;
  double wall_seconds = 0;
  double peak_rss_bytes = 0;
  bool success() const { return exited && code == 0; }
  std::string describe() const;  // "exited with status 1", "was killed by signal 9"
};

struct ChildOptions {
  std::vector<std::string> argv;                   // argv[0] is a path to the program
  std::filesystem::path stdout_file, stderr_file;  // the child's output, written there
  // Called about every `poll` while the child runs (to report progress from its files).
  std::function<void()> on_poll;
  std::chrono::milliseconds poll{250};
};

// Throws IoError when the process cannot be started. The child is killed if this
// process dies first (PR_SET_PDEATHSIG).
ChildResult run_child(const ChildOptions& options);

}  // namespace nnlab::experiments
