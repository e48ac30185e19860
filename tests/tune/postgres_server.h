// A throwaway PostgreSQL server for the storage tests: initdb in a temporary folder, the
// server run as an unprivileged user (nobody, when the tests run as root, as in CI) on a
// Unix socket in that folder and optionally on TCP, stopped with the test process (also
// when it dies: PR_SET_PDEATHSIG). Debian's binaries are in /usr/lib/postgresql/N/bin.
//
// NNLAB_TEST_POSTGRES_BIN overrides the binaries' folder. Tests call test_postgres() and
// skip when it returns nullptr (PostgreSQL not installed), with its reason.
#pragma once

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tune/tune_test_util.h"

namespace nnlab::tune::testing {

inline std::filesystem::path postgres_bin_dir() {
  if (const char* env = std::getenv("NNLAB_TEST_POSTGRES_BIN")) return env;
  std::filesystem::path best;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
    if (std::filesystem::exists(e.path() / "bin" / "postgres") && e.path() > best) best = e.path();
  return best.empty() ? best : best / "bin";
}

// A TCP socket listening on a loopback port of the kernel's choice; *port is that port.
inline int listen_on_loopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  listen(fd, 4);
  *port = ntohs(a.sin_port);
  return fd;
}

// A port nothing listens on now.
inline int free_tcp_port() {
  int port = 0;
  close(listen_on_loopback(&port));
  return port;
}

struct PostgresOptions {
  std::string listen = "127.0.0.1";  // TCP addresses ("" for the socket only)
  std::string netns;                 // run the server in this network namespace
};

class PostgresServer {
 public:
  static constexpr const char* kUser = "nnlab";
  static constexpr const char* kPassword = "s3cret-pw";

  explicit PostgresServer(PostgresOptions options = {}) : options_(std::move(options)), port_(free_tcp_port()) {
    bin_ = postgres_bin_dir();
    if (bin_.empty()) throw std::runtime_error("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres)");
    std::string tmpl = (std::filesystem::temp_directory_path() / "nnlab-pg-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (uid == 0) {  // the server refuses to run as root
      passwd* pw = getpwnam("nobody");
      if (!pw) throw std::runtime_error("no user 'nobody' to run the PostgreSQL server as");
      uid = pw->pw_uid;
      gid = pw->pw_gid;
      if (chown(dir_.c_str(), uid, gid) != 0) throw std::runtime_error("cannot chown " + dir_.string());
    }
    uid_ = uid;
    gid_ = gid;
    // Trust on the socket (the tests' own connections), passwords over TCP (the URL tests).
    std::string initdb = as_server_user() + " '" + (bin_ / "initdb").string() + "' -D '" + data().string() +
                         "' -U " + kUser + " --auth-local=trust --auth-host=scram-sha-256 -N -E UTF8 --locale=C >'" +
                         (dir_ / "initdb.log").string() + "' 2>&1";
    if (std::system(initdb.c_str()) != 0)
      throw std::runtime_error("initdb failed: " + slurp(dir_ / "initdb.log"));
    if (!options_.listen.empty()) {
      // Worker "hosts" in other namespaces reach it over their veth links.
      std::ofstream(data() / "pg_hba.conf", std::ios::app) << "host all all 0.0.0.0/0 scram-sha-256\n";
    }
    start();
    admin("ALTER ROLE nnlab PASSWORD '" + std::string(kPassword) + "'");
  }

  ~PostgresServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Fast shutdown (clients disconnected, everything committed kept) and start again.
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGINT);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  void start() {
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      int out = open((dir_ / "server.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(out, 1);
      dup2(out, 2);
      if (!options_.netns.empty()) {
        int ns = open(("/var/run/netns/" + options_.netns).c_str(), O_RDONLY);
        if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) _exit(126);
      }
      if (getuid() == 0 && (setgid(gid_) != 0 || setuid(uid_) != 0)) _exit(126);
      prctl(PR_SET_PDEATHSIG, SIGINT);  // after setuid, which clears it
      if (getppid() != parent) _exit(1);
      std::string port = std::to_string(port_), listen = "listen_addresses=" + options_.listen;
      std::string bin = (bin_ / "postgres").string(), d = data().string(), sock = dir_.string();
      execl(bin.c_str(), bin.c_str(), "-D", d.c_str(), "-k", sock.c_str(), "-p", port.c_str(), "-c", listen.c_str(),
            "-c", "fsync=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB", nullptr);
      _exit(127);
    }
    for (int i = 0; i < 300; ++i) {
      std::string info = "host=" + dir_.string() + " port=" + std::to_string(port_) + " dbname=postgres user=nnlab";
      if (PQping(info.c_str()) == PQPING_OK) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("the PostgreSQL server did not start: " + slurp(dir_ / "server.log"));
  }

  // A new empty database: its name, or its URL over the Unix socket.
  std::string new_database_name() {
    std::string name = "t" + std::to_string(++databases_);
    admin("CREATE DATABASE " + name);
    return name;
  }
  std::string new_database() { return url(new_database_name()); }
  std::string url(const std::string& db) const {
    return std::string("postgresql://") + kUser + "@localhost:" + std::to_string(port_) + "/" + db +
           "?host=" + dir_.string();
  }
  // Over TCP with the password: postgresql://nnlab:PW@HOST:PORT/DB.
  std::string tcp_url(const std::string& db, const std::string& host = "127.0.0.1") const {
    return std::string("postgresql://") + kUser + ":" + kPassword + "@" + host + ":" + std::to_string(port_) + "/" + db;
  }
  int port() const { return port_; }

  // Runs SQL as the superuser; throws with the server's message.
  void admin(const std::string& sql, const std::string& db = "postgres") const {
    std::string info = "host=" + dir_.string() + " port=" + std::to_string(port_) + " dbname=" + db + " user=nnlab";
    PGconn* c = PQconnectdb(info.c_str());
    PGresult* r = PQexec(c, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    std::string err = PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
    if (!ok) throw std::runtime_error(sql + ": " + err);
  }

 private:
  std::filesystem::path data() const { return dir_ / "data"; }
  std::string as_server_user() const { return getuid() == 0 ? "runuser -u nobody --" : ""; }

  PostgresOptions options_;
  std::filesystem::path bin_, dir_;
  int port_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

// The test process's server, started on first use; nullptr when PostgreSQL is not
// installed. A server that is installed but fails to start fails the test (it throws).
inline PostgresServer* test_postgres() {
  if (postgres_bin_dir().empty()) return nullptr;
  static std::unique_ptr<PostgresServer> server = std::make_unique<PostgresServer>();
  return server.get();
}

inline constexpr const char* kNoPostgres =
    "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres; scripts/setup --tests installs it)";

}  // namespace nnlab::tune::testing
