// Runs a program as a child process and measures it: exit status, wall time and peak
// resident memory of that one child (tune::Subprocess, nnlab's one fork/exec). cnn-compare
// runs each model's training this way so that one model's memory is not another's.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tune/subprocess.h"

namespace nnlab::experiments {

using ChildResult = tune::ExitStatus;

struct ChildOptions {
  std::vector<std::string> argv;                   // argv[0] is a path to the program
  std::filesystem::path stdout_file, stderr_file;  // the child's output, written there
  // Called about every `poll` while the child runs (to report progress from its files).
  std::function<void()> on_poll;
  std::chrono::milliseconds poll{250};
};

// Throws IoError when the process cannot be started. The child is killed if this
// process dies first, or if on_poll throws.
ChildResult run_child(const ChildOptions& options);

}  // namespace nnlab::experiments
