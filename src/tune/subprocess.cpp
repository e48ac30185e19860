#include "tune/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <thread>

#include "nnlab/error.h"

extern char** environ;

namespace nnlab::tune {

namespace {

constexpr size_t kStderrTail = 4000;     // bytes of stderr kept for a failure message
constexpr size_t kMaxLine = 1 << 20;     // a longer stdout "line" is handed over in pieces

// Async-signal-safe write of a message from the forked child before exec.
void child_write(int fd, const char* a, const char* b, const char* c) {
  for (const char* s : {a, b, c}) {
    size_t n = std::strlen(s);
    while (n > 0) {
      ssize_t w = write(fd, s, n);
      if (w <= 0) return;
      s += w;
      n -= static_cast<size_t>(w);
    }
  }
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited) return fmt::format("exited with status {}", code);
  return fmt::format("was killed by signal {} ({})", signal, strsignal(signal));
}

Subprocess::Subprocess(const SubprocessOptions& options) : group_(options.own_process_group) {
  if (options.argv.empty()) throw IoError("cannot start a process without a program");
  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    bool overridden = false;
    for (auto& [k, v] : options.env) overridden |= entry.rfind(k + "=", 0) == 0;
    if (!overridden) env_strings.push_back(std::move(entry));
  }
  for (auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = options.argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out[2] = {-1, -1}, err[2] = {-1, -1};
  if (options.capture_output && (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0))
    throw IoError(fmt::format("cannot create pipes for '{}': {}", options.argv[0], std::strerror(errno)));
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  // Output files are opened here, not in the child, so that a missing directory is this
  // process's IoError rather than a silent exit of the child.
  int files[2] = {-1, -1};
  const std::filesystem::path* paths[2] = {&options.stdout_file, &options.stderr_file};
  for (int i = 0; i < 2; ++i) {
    if (options.capture_output || paths[i]->empty()) continue;
    files[i] = open(paths[i]->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (files[i] < 0) {
      for (int fd : {files[0], devnull})
        if (fd >= 0) close(fd);
      throw IoError(fmt::format("cannot write {}: {}", paths[i]->string(), std::strerror(errno)));
    }
  }
  started_ = std::chrono::steady_clock::now();
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) {
    for (int fd : {out[0], out[1], err[0], err[1], devnull, files[0], files[1]})
      if (fd >= 0) close(fd);
    throw IoError(fmt::format("cannot start '{}': {}", options.argv[0], std::strerror(errno)));
  }
  if (pid_ == 0) {
    if (options.own_process_group) setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, options.death_signal);
    if (getppid() != parent) _exit(1);  // the parent died before prctl took effect
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (options.capture_output) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
    }
    if (files[0] >= 0) dup2(files[0], STDOUT_FILENO);
    if (files[1] >= 0) dup2(files[1], STDERR_FILENO);
    // Signals the tuner ignores or handles must reach the program as defaults.
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execvpe(argv[0], argv.data(), envp.data());
    child_write(STDERR_FILENO, "error: cannot run ", argv[0], ": ");
    child_write(STDERR_FILENO, strerror(errno), "\n", "");
    _exit(127);
  }
  if (options.own_process_group) setpgid(pid_, pid_);  // also from here: no race with kill(-pid)
  for (int fd : {devnull, files[0], files[1]})
    if (fd >= 0) close(fd);
  if (options.capture_output) {
    close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    fcntl(out_fd_, F_SETFL, O_NONBLOCK);
    fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  }
}

Subprocess::~Subprocess() {
  if (!status_ && pid_ > 0) {
    send_signal(SIGKILL);
    reap();
  }
  for (int fd : {out_fd_, err_fd_})
    if (fd >= 0) close(fd);
}

void Subprocess::send_signal(int sig) {
  if (status_ || pid_ <= 0) return;
  if (group_) kill(-pid_, sig);
  else kill(pid_, sig);
}

bool Subprocess::leader_exited() {
  siginfo_t info{};
  // WNOWAIT: leave the child a zombie, which keeps its process-group id from being reused
  // until the group has been cleaned up.
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno == ECHILD;
  return info.si_pid == pid_;
}

void Subprocess::reap() {
  // Programs the command left running in its group end with the trial.
  if (group_) kill(-pid_, SIGKILL);
  int status = 0;
  struct rusage usage {};
  while (wait4(pid_, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  ExitStatus s;
  s.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  s.peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;  // Linux reports KiB
  if (WIFEXITED(status)) {
    s.exited = true;
    s.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
  }
  status_ = s;
}

void Subprocess::read_available(int& fd, bool is_stdout, const std::function<void(const std::string&)>* on_line) {
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      if (!is_stdout) {
        err_tail_.append(buf, static_cast<size_t>(n));
        if (err_tail_.size() > 2 * kStderrTail) err_tail_.erase(0, err_tail_.size() - kStderrTail);
        continue;
      }
      out_partial_.append(buf, static_cast<size_t>(n));
      size_t start = 0, nl;
      while ((nl = out_partial_.find('\n', start)) != std::string::npos) {
        if (on_line) (*on_line)(out_partial_.substr(start, nl - start));
        start = nl + 1;
      }
      out_partial_.erase(0, start);
      if (out_partial_.size() > kMaxLine) {
        if (on_line) (*on_line)(out_partial_);
        out_partial_.clear();
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close(fd);  // end of file, or an error that ends the stream
    fd = -1;
    return;
  }
}

bool Subprocess::pump(std::chrono::milliseconds wait, const std::function<void(const std::string&)>& on_line) {
  if (status_) return true;
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    bool exited = leader_exited();
    std::vector<pollfd> fds;
    for (int fd : {out_fd_, err_fd_})
      if (fd >= 0) fds.push_back({fd, POLLIN, 0});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int timeout = exited ? 0 : static_cast<int>(std::max<int64_t>(left.count(), 0));
    if (!fds.empty()) {
      // Once the child has exited, poll no longer waits: a grandchild holding the pipe open
      // must not keep the trial alive.
      if (poll(fds.data(), fds.size(), exited ? 0 : std::min(timeout, 50)) > 0) {
        if (out_fd_ >= 0) read_available(out_fd_, true, &on_line);
        if (err_fd_ >= 0) read_available(err_fd_, false, nullptr);
      }
    } else if (!exited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeout, 20)));
    }
    if (exited) {
      if (out_fd_ >= 0) read_available(out_fd_, true, &on_line);
      if (err_fd_ >= 0) read_available(err_fd_, false, nullptr);
      if (!out_partial_.empty()) on_line(out_partial_);
      out_partial_.clear();
      if (err_tail_.size() > kStderrTail) err_tail_.erase(0, err_tail_.size() - kStderrTail);
      reap();
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

void Subprocess::terminate(std::chrono::milliseconds grace) {
  if (status_) return;
  send_signal(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  auto ignore = [](const std::string&) {};
  while (std::chrono::steady_clock::now() < deadline) {
    if (pump(std::chrono::milliseconds(20), ignore)) return;
  }
  send_signal(SIGKILL);
  while (!pump(std::chrono::milliseconds(50), ignore)) {
  }
}

}  // namespace nnlab::tune
