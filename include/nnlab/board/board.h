// nnlab board: a local web dashboard over run directories, tuning studies and experiment
// reports. The server reads what nnlab train, tune and experiment write and never writes
// anything: files are opened for reading only, studies through the storage's ReadOnly access.
// Every path a request names is resolved and must stay inside one of the given roots.
//
//   board::BoardServer server({.runs = {"runs"}, .storages = {"sqlite:///studies.db"}});
//   int port = server.bind();   // then tell the user http://127.0.0.1:<port>/
//   server.serve();             // until stop() (from another thread)
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace nnlab::board {

struct BoardOptions {
  std::vector<std::filesystem::path> runs;  // folders searched for run and experiment directories
  std::vector<std::string> storages;        // study storage URLs (sqlite:///..., postgresql://...)
  std::string host = "127.0.0.1";
  int port = 6006;  // 0: a free port the system picks
  // Where Debian's libjs-dygraphs keeps the chart library the page loads.
  std::filesystem::path chart_library = "/usr/share/javascript/dygraphs";
};

// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost): reachable from this
// machine only.
bool is_loopback(const std::string& host);

class BoardServer {
 public:
  // Checks the options: ConfigError for a root that is not a directory or a storage URL of
  // a wrong form, IoError when the chart library is missing (install libjs-dygraphs).
  explicit BoardServer(BoardOptions options);
  ~BoardServer();
  BoardServer(const BoardServer&) = delete;
  BoardServer& operator=(const BoardServer&) = delete;

  // Binds host:port; returns the port. IoError when the address cannot be bound.
  int bind();
  // Answers requests until stop(); bind() first.
  void serve();
  // Safe from any thread; serve() returns soon after.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nnlab::board
