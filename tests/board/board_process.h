// The real `nnlab board` for tests: started on a free port of 127.0.0.1 (--port 0, read back
// from its first line), spoken to over HTTP, stopped with SIGTERM; and the helpers the board
// tests share (a folder's files and times, raw requests).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "support/process.h"

namespace nnlab::testing {

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class BoardProcess {
 public:
  // `args`: the board's flags (split at spaces) without --port.
  explicit BoardProcess(const std::string& args, const std::filesystem::path& log) : log_(log) {
    pid_ = spawn_cli("board --port 0 " + args, log.string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = read_text(log);
      const size_t at = text.find("http://127.0.0.1:");
      if (at != std::string::npos && text.find('/', at + 17) != std::string::npos) {
        port_ = std::stoi(text.substr(at + 17));
        return;
      }
      if (::kill(pid_, 0) != 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~BoardProcess() { stop(); }
  BoardProcess(const BoardProcess&) = delete;
  BoardProcess& operator=(const BoardProcess&) = delete;

  int port() const { return port_; }  // 0 when it did not start
  bool alive() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }
  std::string log() const { return read_text(log_); }
  // SIGTERM; its exit code (-1 if already stopped).
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const int code = wait_exit(pid_);
    pid_ = -1;
    return code;
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Sends `bytes` to 127.0.0.1:port as they are and returns what came back before the server
// closed the connection (or 10 s passed; ask with "Connection: close"). A server that stops
// reading makes the send fail: that is an answer too, so failures of send are not errors here.
inline std::string raw_request(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    // No shutdown(SHUT_WR): cpp-httplib drops its answer to a client that half-closed.
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

// Every file and folder below `dir` with its size and modification time: a tree that the
// board read must look the same afterwards.
inline std::map<std::string, std::string> tree_snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::string> out;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat st {};
    ::lstat(e.path().c_str(), &st);
    out[e.path().lexically_relative(dir).string()] =
        std::to_string(st.st_size) + "@" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  }
  return out;
}

}  // namespace nnlab::testing
