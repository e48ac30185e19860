// Worker "hosts" for the distributed tuning tests: network namespaces (ip netns), each
// linked to a server namespace by its own veth pair (host i: 10.213.i.2, the server's end
// 10.213.i.1), and each command run in its own UTS namespace with its own host name, so
// that nnlab sees another machine (its workers are judged by their heartbeats, as they
// would be). Needs root; everything is removed when the object goes.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "tune/tune_test_util.h"

namespace nnlab::tune::testing {

// Runs a shell command; throws with its output when it fails.
inline void sh(const std::string& cmd) {
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  std::string out;
  char buf[512];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  int status = p ? pclose(p) : -1;
  if (status != 0) throw std::runtime_error("'" + cmd + "' failed: " + out);
}

// Starts `/bin/sh -c cmd` with stdout and stderr to files; returns its pid.
inline pid_t spawn_shell(const std::string& cmd, const std::filesystem::path& out, const std::filesystem::path& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string c = cmd;
  char sh_path[] = "/bin/sh", dash_c[] = "-c";
  char* argv[] = {sh_path, dash_c, c.data(), nullptr};
  pid_t pid = -1;
  posix_spawn(&pid, sh_path, &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

class NetnsHosts {
 public:
  // Why these tests cannot run here, or "" when they can.
  static std::string unavailable() {
    if (geteuid() != 0) return "network namespaces need root";
    if (std::system("ip netns list >/dev/null 2>&1") != 0) return "no 'ip netns' (the iproute2 package)";
    return "";
  }

  explicit NetnsHosts(int hosts) : tag_("nn" + std::to_string(getpid() % 100000)) {
    try {
      sh("ip netns add " + server_ns());
      sh("ip -n " + server_ns() + " link set lo up");
      for (int i = 1; i <= hosts; ++i) {
        const std::string host = host_ns(i), a = tag_ + "h" + std::to_string(i), b = tag_ + "s" + std::to_string(i);
        sh("ip netns add " + host);
        names_.push_back(host);
        sh("ip -n " + host + " link set lo up");
        sh("ip link add " + a + " netns " + host + " type veth peer name " + b + " netns " + server_ns());
        sh("ip -n " + host + " addr add 10.213." + std::to_string(i) + ".2/24 dev " + a);
        sh("ip -n " + server_ns() + " addr add 10.213." + std::to_string(i) + ".1/24 dev " + b);
        sh("ip -n " + host + " link set " + a + " up");
        sh("ip -n " + server_ns() + " link set " + b + " up");
      }
    } catch (...) {
      remove();
      throw;
    }
  }
  ~NetnsHosts() { remove(); }

  std::string server_ns() const { return tag_ + "srv"; }
  std::string host_ns(int i) const { return tag_ + "host" + std::to_string(i); }
  // The server's address as host i reaches it.
  static std::string server_address(int i) { return "10.213." + std::to_string(i) + ".1"; }
  std::string server_addresses() const {
    std::string out;
    for (size_t i = 1; i <= names_.size(); ++i) out += (out.empty() ? "" : ",") + server_address(static_cast<int>(i));
    return out;
  }
  // The shell command line `cmd` (a program and its arguments) as run on host i.
  std::string on_host(int i, const std::string& cmd) const {
    return "exec ip netns exec " + host_ns(i) + " unshare --uts sh -c 'hostname host" + std::to_string(i) +
           " && exec \"$0\" \"$@\"' " + cmd;
  }
  // kill -9 of every process of host i: the machine is gone.
  void kill_host(int i) const {
    [[maybe_unused]] int rc = std::system(("ip netns pids " + host_ns(i) + " | xargs -r kill -9").c_str());
  }
  // Link of host i down or up: the network drops.
  void set_link(int i, bool up) const {
    sh("ip -n " + host_ns(i) + " link set " + tag_ + "h" + std::to_string(i) + (up ? " up" : " down"));
  }

 private:
  void remove() {
    for (auto& ns : names_) {
      [[maybe_unused]] int rc = std::system(("ip netns pids " + ns + " 2>/dev/null | xargs -r kill -9").c_str());
      rc = std::system(("ip netns del " + ns + " 2>/dev/null").c_str());
    }
    names_.clear();
    [[maybe_unused]] int rc = std::system(("ip netns del " + server_ns() + " 2>/dev/null").c_str());
  }
  std::string tag_;
  std::vector<std::string> names_;
};

}  // namespace nnlab::tune::testing
