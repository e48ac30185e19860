// A real HTTP server on 127.0.0.1 for the download tests: tests/download/serve.py (Python's
// http.server with Range requests, 404s and a connection cut once per file after K bytes),
// started on a port the system picks and stopped with the object.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace nnlab::testing {

class LocalServer {
 public:
  // Serves `root`; cut_after >= 0 cuts the first response of each file after that many bytes.
  // ignore_range answers every request with the whole file (200), as some servers do.
  LocalServer(const std::filesystem::path& root, const std::filesystem::path& work, long cut_after = -1,
              bool ignore_range = false)
      : port_file_(work / "port"), log_(work / "requests.jsonl") {
    std::vector<std::string> words{"/usr/bin/python3",
                                   std::string(NNLAB_SOURCE_DIR) + "/tests/download/serve.py",
                                   "--root",
                                   root.string(),
                                   "--port-file",
                                   port_file_.string(),
                                   "--log",
                                   log_.string(),
                                   "--cut-after",
                                   std::to_string(cut_after)};
    if (ignore_range) words.push_back("--ignore-range");
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + words[1]);
    for (int i = 0; i < 200 && !std::filesystem::exists(port_file_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(port_file_);
    if (!(in >> port_))
      throw std::runtime_error("the test server did not start (no port in " + port_file_.string() + ")");
  }
  ~LocalServer() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

  // The requests served so far, one JSON object each: path, range (null when none), status, bytes.
  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
  }

 private:
  std::filesystem::path port_file_, log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A port on 127.0.0.1 that nothing listens on (bound, then released).
inline int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

// The MD5 of a file as coreutils' md5sum computes it: an independent check of nnlab's.
inline std::string md5sum_of(const std::filesystem::path& file) {
  std::string cmd = "md5sum '" + file.string() + "'";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[64] = {};
  std::string out;
  if (p && std::fgets(buf, sizeof buf, p)) out = std::string(buf).substr(0, 32);
  if (p) pclose(p);
  return out;
}

}  // namespace nnlab::testing
