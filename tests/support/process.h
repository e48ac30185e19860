// Starting the nnlab program in the background, for tests of concurrency and kills.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace nnlab::testing {

// Starts the program words[0] (looked up in PATH when it has no slash) with the rest as its
// arguments, stdout and stderr into `log`; returns its pid, or -1.
inline pid_t spawn_logged(std::vector<std::string> words, const std::string& log) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Starts `nnlab ARGS` (ARGS split at spaces) with stdout and stderr into `log` (/dev/null by
// default) and returns its pid.
inline pid_t spawn_cli(const std::string& args, const std::string& log = "/dev/null") {
  std::vector<std::string> words{NNLAB_CLI_PATH};
  std::istringstream in(args);
  for (std::string w; in >> w;) words.push_back(w);
  return spawn_logged(std::move(words), log);
}

// Kills with SIGKILL; true when the process was still running (not already finished).
inline bool kill_hard(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

// Waits for the process to end; its exit code (128 + signal when killed).
inline int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace nnlab::testing
