#include "experiments/child_run.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "nnlab/error.h"

namespace nnlab::experiments {

std::string ChildResult::describe() const {
  if (exited) return fmt::format("exited with status {}", code);
  return fmt::format("was killed by signal {} ({})", signal, strsignal(signal));
}

ChildResult run_child(const ChildOptions& o) {
  if (o.argv.empty()) throw IoError("run_child: no program given");
  std::vector<char*> argv;
  std::vector<std::string> args = o.argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = o.stdout_file.string(), err = o.stderr_file.string();
  const auto start = std::chrono::steady_clock::now();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw IoError(fmt::format("cannot start {}: {}", o.argv[0], std::strerror(errno)));
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    int fo = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fo < 0 || fe < 0) _exit(127);
    dup2(fo, STDOUT_FILENO);
    dup2(fe, STDERR_FILENO);
    close(fo);
    close(fe);
    execv(argv[0], argv.data());
    const char msg[] = "cannot execute the program\n";
    [[maybe_unused]] ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(127);
  }
  ChildResult r;
  int status = 0;
  struct rusage usage {};
  for (;;) {
    pid_t done = wait4(pid, &status, WNOHANG, &usage);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw IoError(fmt::format("waiting for {}: {}", o.argv[0], std::strerror(errno)));
    try {
      if (o.on_poll) o.on_poll();
    } catch (...) {  // never leave the child behind
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      throw;
    }
    std::this_thread::sleep_for(o.poll);
  }
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;  // Linux reports KiB
  r.exited = WIFEXITED(status);
  r.code = r.exited ? WEXITSTATUS(status) : 0;
  r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (o.on_poll) o.on_poll();  // the last lines it wrote
  return r;
}

}  // namespace nnlab::experiments
