// nnlab tune end to end: the real program, real processes, real kills.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "nnlab/tune/sampler.h"
#include "nnlab/tune/storage.h"
#include "tune/tune_test_util.h"

using namespace nnlab;
using namespace nnlab::tune;
using namespace nnlab::tune::testing;

namespace {

const char* kXSpace = R"({"x": {"type": "float", "low": 0, "high": 1}})";

std::vector<FrozenTrial> trials_of(const TempDir& dir, const std::string& study, const std::string& db = "study.db") {
  auto storage = open_storage(dir.url(db), StorageAccess::Existing);
  auto rec = storage->find_study(study);
  return rec ? storage->load_trials(rec->id) : std::vector<FrozenTrial>{};
}

int count_state(const std::vector<FrozenTrial>& trials, TrialState s) {
  return static_cast<int>(std::count_if(trials.begin(), trials.end(), [&](auto& t) { return t.state == s; }));
}

// Waits until the study has at least n complete trials (the tuner still running).
void wait_for_complete(const TempDir& dir, const std::string& study, int n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(dir.path / "study.db")) {
      try {
        if (count_state(trials_of(dir, study), TrialState::Complete) >= n) return;
      } catch (const std::exception&) {
        // the tuner is still creating the schema
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "the tuner did not complete " << n << " trials in time";
}

// Every trial that counts toward the target finished complete, exactly n of them, each
// interrupted attempt retried with the same parameters.
void expect_consistent(const std::vector<FrozenTrial>& trials, int n) {
  std::set<int> numbers;
  int counted = 0;
  for (auto& t : trials) {
    EXPECT_TRUE(numbers.insert(t.number).second) << "trial number " << t.number << " twice";
    EXPECT_NE(t.state, TrialState::Running);
    EXPECT_NE(t.state, TrialState::Waiting);
    if (t.counted) {
      ++counted;
      EXPECT_EQ(t.state, TrialState::Complete) << t.number << ": " << t.message;
    }
    if (t.retry_of) {
      auto original = std::find_if(trials.begin(), trials.end(), [&](auto& o) { return o.number == *t.retry_of; });
      ASSERT_NE(original, trials.end());
      EXPECT_FALSE(original->counted);
      if (!original->params.empty()) {
        EXPECT_EQ(original->params, t.params);
      }
    }
  }
  EXPECT_EQ(counted, n);
}

}  // namespace

TEST(TuneCli, BuiltinObjectiveJsonAndResume) {
  TempDir dir;
  std::string args = "tune --study b --storage " + dir.url() + " --objective branin --sampler tpe --trials 15 --seed 3";
  CliResult r = run_cli(args + " --json", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);  // one object, nothing else on stdout
  EXPECT_EQ(j["n_trials"], 15);
  EXPECT_TRUE(j["best_value"].is_number());
  EXPECT_TRUE(j["best_params"].contains("x1") && j["best_params"].contains("x2"));
  EXPECT_EQ(j["direction"], "minimize");
  EXPECT_NE(r.err.find("trial 14 complete"), std::string::npos);
  // The same command again: the study is complete, nothing runs.
  r = run_cli(args + " --json", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["n_trials"], 15);
  EXPECT_EQ(trials_of(dir, "b").size(), 15u);
  // A larger target continues the study.
  r = run_cli("tune --study b --storage " + dir.url() + " --objective branin --sampler tpe --trials 20 --seed 3",
              dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("20 trials"), std::string::npos) << r.out;
  expect_consistent(trials_of(dir, "b"), 20);
}

TEST(TuneCli, KillNineOfTheTunerLosesNoCompletedTrial) {
  TempDir dir;
  auto space = dir.write("x.json", kXSpace);
  std::vector<std::string> args{"tune",   "--study", "k",        "--storage", dir.url(), "--space",   space.string(),
                                "--sampler", "random", "--trials", "10",     "--seed",  "5",         "--command",
                                "sleep 0.15; echo {x}", "--retry-failed", "4"};
  pid_t pid = spawn_cli(args, dir.path);
  wait_for_complete(dir, "k", 3);
  kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit(pid), 128 + SIGKILL);
  std::map<int, FrozenTrial> before;
  for (auto& t : trials_of(dir, "k"))
    if (t.state == TrialState::Complete) before[t.number] = t;
  ASSERT_GE(before.size(), 3u);

  // Kill it again at arbitrary moments: while starting, sampling, running, writing. (Four
  // interruptions of one trial at most: --retry-failed 4 retries it each time.)
  for (int delay_ms : {5, 70, 190}) {
    pid = spawn_cli(args, dir.path);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    wait_exit(pid);
  }
  std::string cmd = "tune --study k --storage " + dir.url() + " --space " + space.string() +
                    " --sampler random --trials 10 --seed 5 --command 'sleep 0.15; echo {x}' --retry-failed 4 --json";
  CliResult r = run_cli(cmd, dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["n_trials"], 10);
  auto after = trials_of(dir, "k");
  for (auto& [number, t] : before) {
    auto it = std::find_if(after.begin(), after.end(), [&](auto& a) { return a.number == number; });
    ASSERT_NE(it, after.end());
    EXPECT_EQ(it->state, TrialState::Complete);
    EXPECT_EQ(it->value, t.value);
    EXPECT_EQ(it->params, t.params);
  }
  expect_consistent(after, 10);
  EXPECT_EQ(count_state(after, TrialState::Complete), 10);
}

TEST(TuneCli, FourWorkersFinishExactlyNTrialsWithoutLockErrors) {
  TempDir dir;
  // Instant trials: the four workers do nothing but write to the database, at once.
  CliResult r = run_cli("tune --study w --storage " + dir.url() +
                            " --objective branin --sampler random --workers 4 --trials 120 --json",
                        dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("locked"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("error"), std::string::npos) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["n_trials"], 120);
  auto trials = trials_of(dir, "w");
  EXPECT_EQ(trials.size(), 120u);
  expect_consistent(trials, 120);
  // Trials that take a while (and TPE, which reads the history each time): all four share them.
  auto space = dir.write("x.json", kXSpace);
  r = run_cli("tune --study c --storage " + dir.url() + " --space " + space.string() +
                  " --sampler tpe --workers 4 --trials 40 --command 'sleep 0.05; echo {x}' --json",
              dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("locked"), std::string::npos) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["n_trials"], 40);
  expect_consistent(trials_of(dir, "c"), 40);
  for (int w = 0; w < 4; ++w) EXPECT_NE(r.err.find(fmt::format("[worker {}] trial", w)), std::string::npos) << r.err;
}

TEST(TuneCli, KilledWorkerTrialIsTakenOverByTheOthers) {
  TempDir dir;
  auto space = dir.write("x.json", kXSpace);
  pid_t pid = spawn_cli({"tune", "--study", "kw", "--storage", dir.url(), "--space", space.string(), "--sampler",
                         "random", "--trials", "9", "--workers", "3", "--command", "sleep 0.3; echo {x}"},
                        dir.path);
  wait_for_complete(dir, "kw", 1);
  auto workers = child_pids(pid);
  ASSERT_EQ(workers.size(), 3u);
  kill(workers[0], SIGKILL);
  EXPECT_EQ(wait_exit(pid), 1);  // the tuner reports the lost worker
  std::string err = slurp(dir.path / "bg.err");
  EXPECT_NE(err.find("killed by signal 9"), std::string::npos) << err;
  auto trials = trials_of(dir, "kw");
  expect_consistent(trials, 9);
  EXPECT_LE(count_state(trials, TrialState::Failed), 1);
}

TEST(TuneCli, StopSignalsLeaveTheStudyResumable) {
  TempDir dir;
  auto space = dir.write("x.json", kXSpace);
  std::vector<std::string> args{"tune",     "--study", "s",  "--storage", dir.url(), "--space", space.string(),
                                "--sampler", "random", "--trials", "50", "--command", "sleep 0.3; echo {x}"};
  // SIGTERM (or Ctrl-C): the running trial ends now and is queued to run again.
  pid_t pid = spawn_cli(args, dir.path);
  wait_for_complete(dir, "s", 1);
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid), 130);
  EXPECT_NE(slurp(dir.path / "bg.err").find("run the same command again"), std::string::npos);
  auto trials = trials_of(dir, "s");
  EXPECT_EQ(count_state(trials, TrialState::Running), 0);
  EXPECT_EQ(count_state(trials, TrialState::Waiting), 1);
  // kill -9 of a tuner with workers: the workers see their parent die, end their trials
  // as interrupted and exit; none is left running.
  args.insert(args.end(), {"--workers", "2"});
  pid = spawn_cli(args, dir.path);
  wait_for_complete(dir, "s", 3);
  auto workers = child_pids(pid);
  ASSERT_EQ(workers.size(), 2u);
  kill(pid, SIGKILL);
  wait_exit(pid);
  for (int i = 0; i < 200 && std::any_of(workers.begin(), workers.end(), process_running); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (pid_t w : workers) EXPECT_FALSE(process_running(w)) << "worker " << w << " outlived its tuner";
  trials = trials_of(dir, "s");
  EXPECT_EQ(count_state(trials, TrialState::Running), 0);
  EXPECT_GE(count_state(trials, TrialState::Waiting), 1);
  // --timeout: no trial starts after it; the study stays open for a later run.
  CliResult r = run_cli("tune --study s --storage " + dir.url() + " --space " + space.string() +
                            " --sampler random --trials 50 --timeout 0.5 --command 'sleep 0.3; echo {x}' --json",
                        dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  int n = nlohmann::json::parse(r.out)["n_trials"];
  EXPECT_GT(n, 3);
  EXPECT_LT(n, 20);
  expect_consistent(trials_of(dir, "s"), n);
}

TEST(TuneCli, GridWithWorkersRunsEachPointOnce) {
  TempDir dir;
  auto space = dir.write("g.json", R"({"a": {"type": "int", "low": 1, "high": 4},
    "depth": {"type": "int", "low": 1, "high": 2},
    "width": {"type": "categorical", "choices": [8, 16, 32], "repeat_for": "depth"}})");
  CliResult r = run_cli("tune --study g --storage " + dir.url() + " --space " + space.string() +
                            " --sampler grid --workers 4 --command 'echo {a}' --json",
                        dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  auto expected = GridSampler::enumerate(SearchSpace::load(space));
  ASSERT_EQ(expected.size(), 48u);  // 4 × (3 + 9)
  std::set<std::string> want, got;
  for (auto& p : expected) want.insert(GridSampler::claim_key(p));
  auto trials = trials_of(dir, "g");
  EXPECT_EQ(trials.size(), 48u);
  for (auto& t : trials) got.insert(GridSampler::claim_key(t.params));
  EXPECT_EQ(got, want);
  EXPECT_EQ(nlohmann::json::parse(r.out)["n_trials"], 48);
}

TEST(TuneCli, CommandWithPruningAndFailures) {
  TempDir dir;
  auto space = dir.write("x.json", kXSpace);
  // The curve is x·step; larger x is worse. x > 0.9 fails with a message on stderr.
  auto prog = dir.write("prog.sh", R"(awk -v x="$1" 'BEGIN {
    if (x > 0.9) { print "diverged" > "/dev/stderr"; exit 4 }
    for (s = 1; s <= 5; s++) printf "nnlab:report %d %.6f\n", s, x * s
    print x }')");
  CliResult r = run_cli("tune --study p --storage " + dir.url() + " --space " + space.string() +
                            " --sampler random --trials 30 --seed 2 --pruner median --command 'sh " + prog.string() +
                            " {x}'",
                        dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  auto trials = trials_of(dir, "p");
  EXPECT_GT(count_state(trials, TrialState::Pruned), 3);
  EXPECT_GT(count_state(trials, TrialState::Complete), 5);
  for (auto& t : trials) {
    double x = t.params.at("x").get<double>();
    if (x > 0.9) {
      EXPECT_EQ(t.state, TrialState::Failed);
      EXPECT_NE(t.message.find("status 4: diverged"), std::string::npos) << t.message;
    }
    if (t.state == TrialState::Pruned) {
      EXPECT_LT(t.intermediate.size(), 5u);
    }
    if (t.state == TrialState::Complete) {
      EXPECT_EQ(t.intermediate.size(), 5u);
    }
  }
}

TEST(TuneCli, TrainingTrialsFollowTheTrainerContract) {
  TempDir dir;
  auto space = dir.write("net.json", R"({
    "lr": {"type": "float", "low": 1e-4, "high": 0.3, "log": true},
    "weight_decay": {"type": "float", "low": 1e-6, "high": 1e-2, "log": true},
    "dropout": {"type": "float", "low": 0, "high": 0.5},
    "depth": {"type": "int", "low": 1, "high": 3},
    "width": {"type": "int", "low": 16, "high": 256, "log": true, "repeat_for": "depth"},
    "bn": {"type": "categorical", "choices": [true, false]},
    "schedule": {"type": "categorical", "choices": ["constant", "cosine"]}})");
  std::string trainer = std::string(NNLAB_SOURCE_DIR) + "/tests/tune/data/fake_trainer.sh";
  CliResult r = run_cli("tune --study t --storage " + dir.url() + " --space " + space.string() +
                            " --sampler gp --trials 14 --seed 1 --trainer " + trainer + " --json -- --model mlp --epochs 4",
                        dir.path, "FAKE_TRAINER_LOG=" + (dir.path / "calls.txt").string());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["direction"], "maximize");  // val_accuracy by default
  EXPECT_EQ(j["n_trials"], 14);
  EXPECT_TRUE(j["best_metrics"].contains("test_accuracy"));
  EXPECT_EQ(j["best_metrics"]["val_accuracy"], j["best_value"]);
  // Each call: the user's flags, one flag per parameter, then the tuner's own.
  std::ifstream calls(dir.path / "calls.txt");
  std::string line;
  int n = 0;
  auto trials = trials_of(dir, "t");
  while (std::getline(calls, line)) {
    const FrozenTrial& t = trials.at(static_cast<size_t>(n++));
    std::string hidden;
    for (int i = 0; i < t.params.at("depth").get<int>(); ++i)
      hidden += (i ? "," : "") + std::to_string(t.params.at(fmt::format("width_{}", i)).get<int>());
    EXPECT_EQ(line.rfind("--model mlp --epochs 4 --lr ", 0), 0u) << line;
    EXPECT_NE(line.find(" --hidden " + hidden + " "), std::string::npos) << line;
    EXPECT_EQ(line.find("--depth"), std::string::npos) << line;
    EXPECT_EQ(line.find("--bn") != std::string::npos, t.params.at("bn").get<bool>()) << line;
    EXPECT_NE(line.find("--schedule " + t.params.at("schedule").get<std::string>()), std::string::npos);
    EXPECT_TRUE(line.ends_with("--json --report-metric val_accuracy")) << line;
    EXPECT_EQ(t.intermediate.size(), 4u);  // one report per epoch
  }
  EXPECT_EQ(n, 14);
  // A loss metric is minimised, and ASHA prunes on the reported losses.
  r = run_cli("tune --study l --storage " + dir.url() + " --space " + space.string() +
                  " --sampler random --trials 12 --pruner asha --metric val_loss --trainer " + trainer +
                  " --json -- --epochs 9",
              dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["direction"], "minimize");
  EXPECT_GT(count_state(trials_of(dir, "l"), TrialState::Pruned), 0);
}

TEST(TuneCli, UsageErrorsExitTwoAndSayWhatToDo) {
  TempDir dir;
  auto space = dir.write("x.json", kXSpace);
  std::string base = "tune --study u --storage " + dir.url() + " ";
  struct Case {
    std::string args, message;
  };
  std::vector<Case> cases{
      {"tune --storage " + dir.url() + " --objective branin --trials 3", "--study"},
      {"tune --study u --objective branin --trials 3", "--storage"},
      {"tune --study u --storage mysql://db --objective branin --trials 3", "sqlite:///"},
      {"tune --study u --storage postgres://db --objective branin --trials 3", "names no database"},
      {"tune --study u --storage memory: --objective branin --trials 3 --workers 2", "--workers"},
      {base + "--objective branin --trials 3 --heartbeat 5 --grace 4", "--grace"},
      {base + "--objective branin --trials 3 --sampler bayes", "--sampler 'bayes'"},
      {base + "--objective branin --trials 3 --pruner always", "--pruner"},
      {base + "--objective sphere --trials 3", "--objective 'sphere'"},
      {base + "--objective branin", "--trials"},
      {base + "--objective branin --trials 3 --workers 0", "--workers"},
      {base + "--objective branin --trials 3 --direction up", "--direction"},
      {base + "--objective branin --command 'echo 1' --trials 3", "one objective"},
      {base + "--command 'echo {x}' --trials 3", "--space"},
      {base + "--objective branin --trials 3 --metric val_loss", "--metric"},
  };
  for (auto& c : cases) {
    CliResult r = run_cli(c.args, dir.path);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path / "study.db"));  // usage errors touch nothing
  // An unknown flag is rejected by the flag parser itself.
  CliResult r = run_cli(base + "--objective branin --trials 3 --tirals 4", dir.path);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--tirals"), std::string::npos);
}

TEST(TuneCli, BadFilesExitOneNamingTheFile) {
  TempDir dir;
  auto good = dir.write("x.json", kXSpace);
  auto broken = dir.write("broken.json", R"({"x": {"type": "float", "low": 0,)");
  auto wrong = dir.write("wrong.json", R"({"x": {"type": "float", "low": 2, "high": 1}})");
  dir.write("text.db", std::string(200, 'x'));
  std::string tail = " --sampler random --trials 2 --command 'echo {x}'";
  struct Case {
    std::string args, message;
  };
  std::vector<Case> cases{
      {"tune --study s --storage " + dir.url() + " --space " + broken.string() + tail, "broken.json: not valid JSON"},
      {"tune --study s --storage " + dir.url() + " --space " + wrong.string() + tail, "wrong.json: parameter 'x'"},
      {"tune --study s --storage " + dir.url() + " --space " + (dir.path / "none.json").string() + tail,
       "cannot read the search space file"},
      {"tune --study s --storage " + dir.url("text.db") + " --space " + good.string() + tail, "not an SQLite database"},
      {"tune --study s --storage " + dir.url("no/such/dir.db") + " --space " + good.string() + tail, "does not exist"},
      {"tune --study s --storage " + dir.url() + " --space " + good.string() + " --sampler grid --command 'echo {x}'",
       "grid_points"},
  };
  for (auto& c : cases) {
    CliResult r = run_cli(c.args, dir.path);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  }
  // Resuming a study with another space is refused before anything runs.
  ASSERT_EQ(run_cli("tune --study s --storage " + dir.url() + " --space " + good.string() + tail, dir.path).code, 0);
  auto other = dir.write("other.json", R"({"x": {"type": "float", "low": 0, "high": 2}})");
  CliResult r = run_cli("tune --study s --storage " + dir.url() + " --space " + other.string() + tail, dir.path);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("another search space"), std::string::npos) << r.err;
  // Every trial failing is an error too, with the reason.
  r = run_cli("tune --study f --storage " + dir.url() + " --space " + good.string() +
                  " --sampler random --trials 2 --command 'echo nope >&2; exit 1'",
              dir.path);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no trial of study 'f' completed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}
