// A child process nnlab runs and watches, the one fork/exec of the library: a trial's
// command or training run (its stdout read line by line as it comes, the tail of its
// stderr kept for the failure message), a tuning worker, or an experiment's training run
// (output to files, measured: wall time and peak resident memory). POSIX, Linux: the child
// dies with its parent (PR_SET_PDEATHSIG), so a tuner killed with -9 leaves no orphaned
// trial behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nnlab::tune {

struct ExitStatus {
  bool exited = false;  // normal exit (code) rather than a signal
  int code = 0;
  int signal = 0;
  double wall_seconds = 0;    // from start to exit
  double peak_rss_bytes = 0;  // the child's own peak resident memory (getrusage via wait4)
  bool success() const { return exited && code == 0; }
  std::string describe() const;  // "exited with status 3", "was killed by signal 9 (Killed)"
};

struct SubprocessOptions {
  std::vector<std::string> argv;                          // argv[0] is looked up on PATH
  std::vector<std::pair<std::string, std::string>> env;  // added to this process's environment
  bool capture_output = true;   // stdout/stderr to pipes; false: inherited (or the files below)
  std::filesystem::path stdout_file, stderr_file;  // when set (and not capturing): written there
  bool own_process_group = true;  // terminate() then reaches the whole group (sh -c and its children)
  int death_signal = 9;         // sent to the child when this process dies
};

class Subprocess {
 public:
  // Starts the process; throws IoError if it cannot be created. If the program cannot be
  // executed, the child prints why on its stderr and exits with status 127.
  explicit Subprocess(const SubprocessOptions& options);
  ~Subprocess();  // kills and reaps a child still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Waits up to `wait` for output, handing each complete stdout line to on_line. Returns
  // true once the process has exited and its output is drained (then status() is set).
  bool pump(std::chrono::milliseconds wait, const std::function<void(const std::string&)>& on_line);
  // SIGTERM (to the group), then SIGKILL after `grace` if it still runs; reaps it.
  void terminate(std::chrono::milliseconds grace);
  void send_signal(int sig);

  pid_t pid() const { return pid_; }
  bool finished() const { return status_.has_value(); }
  const std::optional<ExitStatus>& status() const { return status_; }
  std::string stderr_tail() const { return err_tail_; }

 private:
  bool leader_exited();  // the child has exited (not reaped yet)
  void reap();
  void read_available(int& fd, bool is_stdout, const std::function<void(const std::string&)>* on_line);

  pid_t pid_ = -1;
  std::chrono::steady_clock::time_point started_;
  bool group_ = false;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_partial_, err_tail_;
  std::optional<ExitStatus> status_;
};

}  // namespace nnlab::tune
