// Distributed tuning for real: a PostgreSQL server in one network namespace, worker "hosts"
// in others (own links, own host names), each running `nnlab tune --workers K` on one
// study; load, kill -9 of a worker and of a whole host, a dropped link, a server stopped
// mid-study. The same load on SQLite (one machine) for comparison; the load test prints
// trials per second of each backend:
//   build/nnlab_tests --gtest_filter='MultiHostTune.Load*'
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "nnlab/tune/storage.h"
#include "tune/netns_hosts.h"
#include "tune/postgres_server.h"

using namespace nnlab;
using namespace nnlab::tune;
using namespace nnlab::tune::testing;

namespace {

using Clock = std::chrono::steady_clock;

struct Tuner {
  pid_t pid;
  std::filesystem::path out, err;
};

std::vector<FrozenTrial> trials_of(const std::string& url, const std::string& study) {
  auto storage = open_storage(url, StorageAccess::Existing);
  auto rec = storage->find_study(study);
  return rec ? storage->load_trials(rec->id) : std::vector<FrozenTrial>{};
}

int complete(const std::vector<FrozenTrial>& trials) {
  return static_cast<int>(
      std::count_if(trials.begin(), trials.end(), [](auto& t) { return t.state == TrialState::Complete; }));
}

void wait_for_complete(const std::string& url, const std::string& study, int n) {
  auto deadline = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < deadline) {
    try {
      if (complete(trials_of(url, study)) >= n) return;
    } catch (const std::exception&) {
      // not created yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "fewer than " << n << " complete trials after 120 s";
}

// Exactly n counted trials, all complete; numbers unique; every retry repeats the
// parameters of the original it names; grid points (if any) once each.
void expect_exactly(const std::vector<FrozenTrial>& trials, int n, bool grid = false) {
  std::set<int> numbers;
  std::set<std::string> points;
  int counted = 0;
  for (auto& t : trials) {
    EXPECT_TRUE(numbers.insert(t.number).second) << "trial number " << t.number << " twice";
    EXPECT_TRUE(t.state != TrialState::Running && t.state != TrialState::Waiting) << t.number;
    if (!t.counted) continue;
    ++counted;
    EXPECT_EQ(t.state, TrialState::Complete) << t.number << ": " << t.message;
    const std::string point = nlohmann::json(t.params).dump();
    if (grid) {
      EXPECT_TRUE(points.insert(point).second) << "grid point run twice: " << point;
    }
    if (t.retry_of) {
      auto original = std::find_if(trials.begin(), trials.end(), [&](auto& o) { return o.number == *t.retry_of; });
      ASSERT_NE(original, trials.end());
      EXPECT_FALSE(original->counted);
      EXPECT_EQ(original->params, t.params);
    }
  }
  EXPECT_EQ(counted, n);
}

// Nothing about locks, serialization, deadlocks or errors reached the user.
void expect_quiet(const std::string& err) {
  for (const char* word : {"locked", "serializ", "deadlock", "error"})
    EXPECT_EQ(err.find(word), std::string::npos) << "'" << word << "' on stderr:\n" << err.substr(0, 2000);
}

class MultiHostTune : public ::testing::Test {
 protected:
  void SetUp() override {
    if (postgres_bin_dir().empty()) GTEST_SKIP() << kNoPostgres;
    std::string why = NetnsHosts::unavailable();
    if (!why.empty()) GTEST_SKIP() << why;
  }

  void start_cluster(int hosts) {
    hosts_ = std::make_unique<NetnsHosts>(hosts);
    PostgresOptions o;
    o.netns = hosts_->server_ns();
    o.listen = hosts_->server_addresses();
    server_ = std::make_unique<PostgresServer>(o);
    db_ = server_->new_database_name();
  }
  // The URL as host i reaches the server, and as this process does (its Unix socket).
  std::string url_from(int host) const { return server_->tcp_url(db_, NetnsHosts::server_address(host)); }
  std::string local_url() const { return server_->url(db_); }

  // `nnlab tune ARGS` on host i (0: this machine).
  Tuner tune_on(int host, const std::string& args) {
    std::string cmd = std::string("'") + NNLAB_CLI_PATH + "' tune " + args;
    Tuner t;
    int n = static_cast<int>(tuners_.size());
    t.out = dir_.path / ("tuner" + std::to_string(n) + ".out");
    t.err = dir_.path / ("tuner" + std::to_string(n) + ".err");
    t.pid = spawn_shell(host == 0 ? "exec " + cmd : hosts_->on_host(host, cmd), t.out, t.err);
    tuners_.push_back(t.pid);
    return t;
  }

  void TearDown() override {
    for (pid_t p : tuners_) kill(p, SIGKILL);
    for (pid_t p : tuners_) waitpid(p, nullptr, 0);
    server_.reset();  // before the namespaces go
    hosts_.reset();
  }

  // Runs `args` on each of `hosts` hosts at once, waits; returns trials per second.
  double run_load(int hosts, const std::string& url_of_host0, const std::string& args, std::string* err) {
    auto start = Clock::now();
    std::vector<Tuner> ts;
    for (int h = 1; h <= hosts; ++h)
      ts.push_back(tune_on(hosts_ ? h : 0, "--storage " + (hosts_ ? url_from(h) : url_of_host0) + " " + args));
    for (auto& t : ts) {
      EXPECT_EQ(wait_exit(t.pid), 0) << slurp(t.err).substr(0, 3000);
      *err += slurp(t.err);
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  TempDir dir_;
  std::unique_ptr<NetnsHosts> hosts_;
  std::unique_ptr<PostgresServer> server_;
  std::string db_;
  std::vector<pid_t> tuners_;
};

}  // namespace

TEST_F(MultiHostTune, LoadOnFourHostsEndsWithExactlyTheTargetOnPostgresAndSqlite) {
  const int hosts = 4, workers = 4, trials = 400;  // 16 workers
  TempDir sqlite_dir;
  auto grid = dir_.write("grid.json", R"({"x1": {"type": "float", "low": -5, "high": 10, "grid_points": 8},
    "x2": {"type": "float", "low": 0, "high": 15, "grid_points": 8}})");
  const std::string branin = fmt::format("--study branin --objective branin --trials {} --workers {}", trials, workers);
  const std::string grid_args =
      fmt::format("--study grid --objective branin --space {} --sampler grid --workers {}", grid.string(), workers);
  for (const std::string backend : {"postgresql", "sqlite"}) {
    std::string url;
    if (backend == "postgresql") {
      start_cluster(hosts);
      url = local_url();
    } else {
      server_.reset();
      hosts_.reset();  // one machine: four tuners side by side on one file
      url = sqlite_dir.url("load.db");
    }
    std::string err;
    double seconds = run_load(hosts, url, branin, &err);
    expect_exactly(trials_of(url, "branin"), trials);
    double grid_seconds = run_load(hosts, url, grid_args, &err);
    expect_exactly(trials_of(url, "grid"), 64, true);
    expect_quiet(err);
    std::printf("load %s: %d workers on %d hosts: %d branin trials in %.2f s (%.1f trials/s), 64 grid points in "
                "%.2f s (%.1f trials/s)\n",
                backend.c_str(), hosts * workers, backend == "postgresql" ? hosts : 1, trials, seconds,
                trials / seconds, grid_seconds, 64 / grid_seconds);
  }
}

TEST_F(MultiHostTune, KilledWorkerAndKilledHostTrialsAreFailedAfterTheGraceAndRetried) {
  start_cluster(3);
  auto space = dir_.write("x.json", R"({"x": {"type": "float", "low": 0, "high": 1}})");
  const int n = 60;
  // Three disruptions: one chain of retries can meet all three (a retry of the killed
  // worker's trial picked up by host 3, then its retry by host 2), so three retries.
  const std::string args = fmt::format(
      "--study f --space {} --sampler random --trials {} --workers 2 --heartbeat 0.5 --grace 2 --retry-failed 3 "
      "--command 'sleep 0.6; echo {{x}}'",
      space.string(), n);
  std::vector<Tuner> ts;
  for (int h = 1; h <= 3; ++h) ts.push_back(tune_on(h, "--storage " + url_from(h) + " " + args));
  wait_for_complete(local_url(), "f", 3);
  // kill -9 of one worker of host 1, mid-trial (each spends most of its time in one).
  std::vector<pid_t> workers = child_pids(ts[0].pid);
  ASSERT_EQ(workers.size(), 2u) << slurp(ts[0].err);
  kill(workers[0], SIGKILL);
  wait_for_complete(local_url(), "f", 8);
  // Host 3 dies whole; then host 2 drops off the network for a while.
  hosts_->kill_host(3);
  wait_for_complete(local_url(), "f", 14);
  hosts_->set_link(2, false);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  hosts_->set_link(2, true);
  EXPECT_EQ(wait_exit(ts[0].pid), 1);  // it reports its lost worker
  EXPECT_NE(slurp(ts[0].err).find("killed by signal 9"), std::string::npos);
  EXPECT_EQ(wait_exit(ts[1].pid), 0) << slurp(ts[1].err);
  wait_exit(ts[2].pid);

  auto trials = trials_of(local_url(), "f");
  expect_exactly(trials, n);
  int stale = 0, retries = 0;
  for (auto& t : trials) {
    if (!t.counted && t.message.find("no heartbeat from its worker") != std::string::npos) ++stale;
    if (t.retry_of) ++retries;
  }
  EXPECT_GE(stale, 1) << "host 3's trials are failed by the heartbeat";
  EXPECT_GE(retries, 2);
  CliResult show = run_cli("study show --storage '" + local_url() + "' --study f", dir_.path);
  EXPECT_EQ(show.code, 0) << show.err;
  EXPECT_NE(show.out.find("retry of trial"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("no heartbeat from its worker"), std::string::npos) << show.out;
}

TEST_F(MultiHostTune, ServerStoppedForTenSecondsMidStudy) {
  start_cluster(2);
  auto space = dir_.write("x.json", R"({"x": {"type": "float", "low": 0, "high": 1}})");
  const int n = 40;
  const std::string args = fmt::format(
      "--study r --space {} --sampler tpe --trials {} --workers 2 --command 'sleep 0.2; echo {{x}}'", space.string(), n);
  std::vector<Tuner> ts;
  for (int h = 1; h <= 2; ++h) ts.push_back(tune_on(h, "--storage " + url_from(h) + " " + args));
  wait_for_complete(local_url(), "r", 6);
  server_->stop();
  std::this_thread::sleep_for(std::chrono::seconds(10));
  server_->start();
  std::string err;
  for (auto& t : ts) {
    EXPECT_EQ(wait_exit(t.pid), 0) << slurp(t.err).substr(0, 3000);
    err += slurp(t.err);
  }
  expect_exactly(trials_of(local_url(), "r"), n);
  expect_quiet(err);
}
