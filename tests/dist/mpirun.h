// Starting `nnlab` under real OpenMPI mpirun for the distributed tests.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.h"

namespace nnlab::testing {

// mpirun's own flags for N ranks on this machine: oversubscribed (2 cores), shared memory
// without the single-copy mechanism (CMA needs ptrace rights a container may not grant),
// and root allowed only when the tests run as root.
inline std::string mpirun_prefix(int ranks) {
  std::string s = "mpirun --oversubscribe -np " + std::to_string(ranks) +
                  " --mca btl self,vader --mca btl_vader_single_copy_mechanism none";
  if (::geteuid() == 0) s += " --allow-run-as-root";
  return s;
}

inline std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Starts `mpirun ... nnlab ARGS` in the background, stdout and stderr into `log`.
inline pid_t spawn_mpirun(int ranks, const std::string& args, const std::string& log) {
  std::vector<std::string> words = split_words(mpirun_prefix(ranks));
  words.push_back(NNLAB_CLI_PATH);
  for (auto& w : split_words(args)) words.push_back(w);
  return spawn_logged(std::move(words), log);
}

// The exit code of `pid` (128 + signal when killed), or nullopt when it is still running
// after `limit`; then it is killed.
inline std::optional<int> wait_bounded(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return std::nullopt;
}

struct ShellResult {
  int code = -1;
  std::string out;  // stdout and stderr together
};

// Runs a shell command line and captures what it prints.
inline ShellResult run_shell(const std::string& command) {
  ShellResult r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// The pid of the rank `rank` among mpirun's children (mpirun forks the local ranks itself),
// read from their environment; -1 when there is none (yet).
inline pid_t find_rank(pid_t mpirun, int rank) {
  namespace fs = std::filesystem;
  const std::string wanted = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(mpirun) + "/task", ec)) {
    std::ifstream children(task.path() / "children");
    for (pid_t child; children >> child;) {
      std::ifstream env("/proc/" + std::to_string(child) + "/environ");
      for (std::string var; std::getline(env, var, '\0');)
        if (var == wanted) return child;
    }
  }
  return -1;
}

}  // namespace nnlab::testing
