// nnlab board: serves the dashboard of run directories, studies and experiment reports on
// http://127.0.0.1:6006/ until Ctrl-C. Another address only when asked, with a warning:
// the board has no login, and whoever reaches it can read every run and study it shows.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "command.h"
#include "nnlab/board/board.h"

namespace {

using namespace nnlab;

struct BoardFlags {
  std::vector<std::string> runs, storages;
  std::string host = "127.0.0.1";
  int port = 6006;
};

int run(const BoardFlags& f) {
  board::BoardOptions o;
  for (const std::string& r : f.runs) o.runs.emplace_back(r);
  o.storages = f.storages;
  o.host = f.host;
  o.port = f.port;
  if (o.runs.empty() && o.storages.empty()) o.runs.emplace_back("runs");
  board::BoardServer server(o);
  // Ctrl-C and SIGTERM are taken by one thread that stops the server: a signal handler may
  // not call into it. Blocked first, so that no server thread receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  const int port = server.bind();
  if (!board::is_loopback(f.host))
    fmt::print(stderr,
               "warning: nnlab board listens on {}: anyone who can reach this address can read the runs and "
               "studies it shows (it has no login); --host 127.0.0.1 keeps it to this machine\n",
               f.host);
  const std::string shown = f.host.find(':') != std::string::npos ? "[" + f.host + "]" : f.host;
  fmt::print("nnlab board: http://{}:{}/  (Ctrl-C stops it)\n", shown, port);
  std::fflush(stdout);
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    const timespec tick{0, 200'000'000};
    bool asked = false;  // a signal before serve() began: stop() again until it ends
    while (!done.load()) {
      if (!asked) asked = sigtimedwait(&stop_signals, nullptr, &tick) > 0;
      else std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (asked) server.stop();
    }
  });
  server.serve();
  done.store(true);
  waiter.join();
  return 0;
}

NNLAB_COMMAND("board", "Serve a web dashboard of runs, studies and experiment reports (read-only)", [](CLI::App& verb) {
  auto f = std::make_shared<BoardFlags>();
  verb.add_option("--runs", f->runs, "Folder of run directories and experiment reports (repeatable; default runs)")
      ->allow_extra_args(false);
  verb.add_option("--storage", f->storages, "Study storage URL, e.g. sqlite:///studies/mnist.db (repeatable)")
      ->allow_extra_args(false);
  verb.add_option("--host", f->host, "Address to listen on; other than loopback only when asked")
      ->capture_default_str();
  verb.add_option("--port", f->port, "Port (0: any free one, printed at start)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  return [f] { return run(*f); };
});

}  // namespace
