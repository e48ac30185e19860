// Runs the nnlab program for end-to-end tests and captures its exit code and output.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace nnlab::testing {

struct CliResult {
  int code = -1;
  std::string out, err;
};

// `args` is appended to the program path as shell words (quote what needs it).
inline CliResult run_cli(const std::string& args, const std::string& env = "") {
  static int counter = 0;
  auto err_path = std::filesystem::temp_directory_path() /
                  ("nnlab_cli_err_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::string cmd = env + " " + std::string(NNLAB_CLI_PATH) + " " + args + " 2>" + err_path.string();
  CliResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(err_path);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  std::filesystem::remove(err_path);
  return r;
}

}  // namespace nnlab::testing
