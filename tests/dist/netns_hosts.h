// Two "hosts" on one machine for the multi-host tests: network namespaces joined by a veth
// pair (10.77.0.1/24 and 10.77.0.2/24), each process started in one under its own UTS
// namespace and host name, and mpirun reaching the second host through a plm_rsh_agent
// script that does what ssh would: `agent HOST COMMAND...` runs COMMAND (one shell line)
// inside HOST's namespaces. Everything is named with this process's id and removed by the
// destructor; leftovers of a killed earlier test process are removed at start.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dist/mpirun.h"

namespace nnlab::testing {

class NetnsHosts {
 public:
  static constexpr const char* kPrefix = "nnlab-mh-";  // the namespaces' names: nnlab-mh-PID-K-I

  // Why this machine cannot run the test (not root, no iproute2 or util-linux, no network
  // namespaces); empty when it can.
  static std::string unavailable() {
    if (::geteuid() != 0) return "needs root (ip netns add); run the tests as root";
    for (const char* tool : {"ip -V", "unshare --version"})
      if (run_shell(std::string(tool) + " >/dev/null").code != 0)
        return std::string("`") + tool + "` is missing (iproute2, util-linux)";
    const std::string probe = std::string(kPrefix) + "probe-" + std::to_string(::getpid());
    const auto r = run_shell("ip netns add " + probe + " && ip netns exec " + probe + " unshare --uts true; rc=$?; ip netns del " +
                             probe + " 2>/dev/null; exit $rc");
    if (r.code != 0) return "network namespaces are unavailable here: " + r.out;
    return "";
  }

  NetnsHosts() {
    remove_leftovers();
    static int serial = 0;
    tag_ = std::to_string(::getpid()) + "-" + std::to_string(serial++);
    dir_ = std::filesystem::temp_directory_path() / (std::string(kPrefix) + tag_);
    std::filesystem::create_directories(dir_);
    for (int i = 0; i < 2; ++i) {
      ns_.push_back(std::string(kPrefix) + tag_ + "-" + std::to_string(i));
      host_.push_back("mh" + tag_ + "-host" + std::to_string(i));
      link_.push_back("mh" + compact(tag_) + (i == 0 ? "a" : "b"));  // at most 15 characters
    }
    std::string setup = "set -e; ip netns add " + ns_[0] + "; ip netns add " + ns_[1] + "; ip link add " + link_[0] +
                        " type veth peer name " + link_[1] + ";";
    for (int i = 0; i < 2; ++i)
      setup += " ip link set " + link_[i] + " netns " + ns_[i] + "; ip -n " + ns_[i] + " addr add " + address(i) +
               "/24 dev " + link_[i] + "; ip -n " + ns_[i] + " link set " + link_[i] + " up; ip -n " + ns_[i] +
               " link set lo up;";
    // mpirun waits for the daemon of a host cut off before it exits, until TCP gives up on
    // the connection (net.ipv4.tcp_retries2: 15, about 15 minutes): 3 (a few seconds) in
    // mpirun's namespace stands for a host whose ssh keep-alive gives up (docs/distributed.md).
    setup += " ip netns exec " + ns_[0] + " sh -c 'echo 3 > /proc/sys/net/ipv4/tcp_retries2'";
    const auto r = run_shell(setup);
    ok_ = r.code == 0;
    error_ = r.out;
    write_agent();
  }

  ~NetnsHosts() {
    remove(ns_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  NetnsHosts(const NetnsHosts&) = delete;
  NetnsHosts& operator=(const NetnsHosts&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& host(int i) const { return host_[static_cast<size_t>(i)]; }
  std::string address(int i) const { return "10.77.0." + std::to_string(i + 1); }
  const std::filesystem::path& dir() const { return dir_; }
  // The hosts the agent started a daemon on, one line each.
  std::string agent_log() const {
    std::ifstream in(dir_ / "agent.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // `mpirun` started inside host 0 (its namespace and host name), one rank per host, MPI
  // and mpirun's own traffic over TCP on the veth subnet, then `nnlab ARGS`.
  std::vector<std::string> mpirun_words(const std::string& args) const {
    const std::string line = "hostname " + host_[0] + " && exec mpirun --allow-run-as-root -np 2 -H " + host_[0] + ":1," +
                             host_[1] + ":1 --mca plm_rsh_agent " + (dir_ / "agent").string() +
                             " --mca btl self,tcp --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include "
                             "10.77.0.0/24 " +
                             NNLAB_CLI_PATH + " " + args;
    return {"ip", "netns", "exec", ns_[0], "unshare", "--uts", "sh", "-c", line};
  }

  // Takes host i's end of the link down (or up), as a cable pulled on that host.
  bool set_link(int i, bool up) const {
    return run_shell("ip -n " + ns_[static_cast<size_t>(i)] + " link set " + link_[static_cast<size_t>(i)] +
                     (up ? " up" : " down"))
               .code == 0;
  }
  // Bytes sent by host i over its link.
  long long bytes_sent(int i) const {
    const auto r = run_shell("ip netns exec " + ns_[static_cast<size_t>(i)] + " cat /sys/class/net/" +
                             link_[static_cast<size_t>(i)] + "/statistics/tx_bytes");
    return r.code == 0 ? std::stoll(r.out) : -1;
  }

 private:
  static std::string compact(const std::string& tag) {
    std::string s;
    for (char c : tag)
      if (c != '-') s += c;
    return s;
  }

  void write_agent() const {
    std::ofstream out(dir_ / "agent");
    out << "#!/bin/sh\n"
           "# plm_rsh_agent for the test's namespaces: mpirun runs `agent HOST COMMAND...` as it\n"
           "# would ssh; COMMAND is one shell line, run inside HOST's network and UTS namespaces.\n"
           "host=$1; shift\n"
           "case \"$host\" in\n";
    for (size_t i = 0; i < ns_.size(); ++i) out << "  " << host_[i] << ") ns=" << ns_[i] << " ;;\n";
    out << "  *) echo \"agent: no namespace for host $host\" >&2; exit 255 ;;\n"
           "esac\n"
           "echo \"$host\" >> "
        << (dir_ / "agent.log").string()
        << "\n"
           "exec ip netns exec \"$ns\" unshare --uts sh -c 'hostname \"$0\" && exec sh -c \"$1\"' \"$host\" \"$*\"\n";
    out.close();
    std::filesystem::permissions(dir_ / "agent", std::filesystem::perms::owner_all);
  }

  // Kills what still runs in the namespaces (a daemon left on a cut-off host), by pid,
  // then deletes them; their veth ends go with them.
  static void remove(const std::vector<std::string>& names) {
    for (const std::string& ns : names)
      run_shell("for p in $(ip netns pids " + ns + " 2>/dev/null); do kill -9 $p; done; ip netns del " + ns +
                " 2>/dev/null");
  }

  // Namespaces of an earlier test process that died before its destructor ran.
  static void remove_leftovers() {
    const auto r = run_shell("ip netns list");
    std::istringstream in(r.out);
    std::vector<std::string> stale;
    for (std::string line; std::getline(in, line);) {
      const std::string name = line.substr(0, line.find(' '));
      if (name.rfind(kPrefix, 0) != 0) continue;
      std::string rest = name.substr(std::string(kPrefix).size());  // "PID-K-I" or "probe-PID"
      if (rest.rfind("probe-", 0) == 0) rest = rest.substr(6);
      const pid_t owner = static_cast<pid_t>(std::atol(rest.c_str()));
      if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) stale.push_back(name);
    }
    remove(stale);
  }

  std::string tag_;
  std::filesystem::path dir_;
  std::vector<std::string> ns_, host_, link_;
  bool ok_ = false;
  std::string error_;
};

}  // namespace nnlab::testing
