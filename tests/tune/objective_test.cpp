// Objectives: test functions, --command templates, train flags, and programs run per trial
// (intermediate values, pruning with SIGTERM then SIGKILL, failures with their stderr).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <numbers>

#include "nnlab/error.h"
#include "nnlab/tune/command_template.h"
#include "nnlab/tune/objective.h"
#include "nnlab/tune/test_functions.h"
#include "nnlab/tune/train_adapter.h"
#include "nnlab/tune/trial.h"
#include "tune/tune_test_util.h"

using namespace nnlab;
using namespace nnlab::tune;
using nnlab::tune::testing::TempDir;

namespace {

// Records reports; prunes once a reported value exceeds prune_above.
struct FakeContext : TrialContext {
  double prune_above = INFINITY;
  std::vector<IntermediateValue> reports;
  int trial_number() const override { return 7; }
  bool report(int64_t step, double value) override {
    reports.push_back({step, value});
    return value > prune_above;
  }
  void heartbeat() override {}
  bool stop_requested() const override { return false; }
};

SearchSpace xy_space() {
  return SearchSpace::parse(R"({"x": {"type": "float", "low": -1, "high": 1},
                                "name": {"type": "categorical", "choices": ["plain", "two words", "it's"]}})");
}

ObjectiveResult run_command(const std::string& cmd, FakeContext& ctx, double grace = 5,
                            const Params& params = {{"x", 0.25}, {"name", "plain"}}) {
  ProcessObjectiveOptions o;
  o.kill_grace_s = grace;
  return make_command_objective(cmd, xy_space(), o)->evaluate(params, ctx);
}

}  // namespace

TEST(TestFunctions, KnownMinima) {
  EXPECT_NEAR(branin(-std::numbers::pi, 12.275), kBraninMinimum, 1e-6);
  EXPECT_NEAR(branin(std::numbers::pi, 2.275), kBraninMinimum, 1e-6);
  EXPECT_NEAR(branin(9.42478, 2.475), kBraninMinimum, 1e-6);
  std::array<double, 6> h{0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573};
  EXPECT_NEAR(hartmann6(h), kHartmann6Minimum, 1e-5);
  std::vector<double> ones(4, 1.0);
  EXPECT_EQ(rosenbrock(ones), 0);
  EXPECT_THROW(make_builtin_objective("branin", builtin_space("hartmann6")), ConfigError);
  EXPECT_THROW(builtin_space("sphere"), ConfigError);
  FakeContext ctx;
  auto r = make_builtin_objective("branin", builtin_space("branin"))->evaluate({{"x1", 0.0}, {"x2", 0.0}}, ctx);
  EXPECT_EQ(r.outcome, Outcome::Complete);
  EXPECT_NEAR(r.value, branin(0, 0), 1e-12);
}

TEST(CommandTemplate, SubstitutesQuotesAndRejectsUnknownNames) {
  SearchSpace s = xy_space();
  CommandTemplate t("prog --x {x} --name {name} ${HOME} {{literal}}", s);
  EXPECT_EQ(t.render({{"x", 0.5}, {"name", "plain"}}), "prog --x 0.5 --name plain ${HOME} {literal}");
  EXPECT_EQ(t.render({{"x", -1e-05}, {"name", "two words"}}), "prog --x -1e-05 --name 'two words' ${HOME} {literal}");
  EXPECT_EQ(t.render({{"x", 0.5}, {"name", "it's"}}), "prog --x 0.5 --name 'it'\\''s' ${HOME} {literal}");
  EXPECT_EQ(t.render({{"x", 0.5}}), "prog --x 0.5 --name  ${HOME} {literal}");  // an absent parameter: empty
  EXPECT_EQ(t.referenced(), (std::set<std::string>{"x", "name"}));
  for (const char* bad : {"prog {lr}", "prog {x", "prog x}"}) {
    try {
      CommandTemplate(bad, s);
      ADD_FAILURE() << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("`command`"), std::string::npos);
    }
  }
}

TEST(TrainFlags, MapParametersToTrainerFlags) {
  SearchSpace s = SearchSpace::parse(R"({
    "lr": {"type": "float", "low": 1e-4, "high": 1, "log": true},
    "weight_decay": {"type": "float", "low": 0, "high": 0.1},
    "depth": {"type": "int", "low": 1, "high": 3},
    "width": {"type": "int", "low": 8, "high": 512, "repeat_for": "depth"},
    "bn": {"type": "categorical", "choices": [true, false]},
    "schedule": {"type": "categorical", "choices": ["constant", "cosine"]},
    "seed_only": {"type": "int", "low": 0, "high": 9, "flag": null},
    "batch": {"type": "int", "low": 16, "high": 256, "flag": "--batch-size"}})");
  Params p{{"lr", 0.01}, {"weight_decay", 0.001}, {"depth", 2}, {"width_0", 128}, {"width_1", 64},
           {"bn", true}, {"schedule", "cosine"}, {"seed_only", 3}, {"batch", 32}};
  EXPECT_EQ(train_flag_arguments(s, p),
            (std::vector<std::string>{"--lr", "0.01", "--weight-decay", "0.001", "--hidden", "128,64", "--bn",
                                      "--schedule", "cosine", "--batch-size", "32"}));
  p["bn"] = false;
  auto args = train_flag_arguments(s, p);
  EXPECT_EQ(std::count(args.begin(), args.end(), "--bn"), 0);
  EXPECT_NO_THROW(check_train_flags(s, {"--model", "mlp", "--epochs", "3"}));
  EXPECT_THROW(check_train_flags(s, {"--lr", "0.1"}), ConfigError);
  EXPECT_THROW(check_train_flags(s, {"--hidden=3"}), ConfigError);
  EXPECT_THROW(check_train_flags(s, {"--json"}), ConfigError);
}

// Parameters are training keys: eps, a key added by one table entry, is a flag at once;
// a name that is no key fails before any trial runs, unless the space gives its flag.
TEST(TrainFlags, ParameterNamesAreTrainingKeys) {
  SearchSpace keys = SearchSpace::parse(R"({"eps": {"type": "float", "low": 1e-9, "high": 1e-6, "log": true},
                                            "label_smoothing": {"type": "float", "low": 0, "high": 0.2}})");
  EXPECT_NO_THROW(check_train_flags(keys, {}));
  EXPECT_EQ(train_flag_arguments(keys, {{"eps", 1e-8}, {"label_smoothing", 0.1}}),
            (std::vector<std::string>{"--eps", "1e-08", "--label-smoothing", "0.1"}));
  SearchSpace typo = SearchSpace::parse(R"({"learning_rate": {"type": "float", "low": 0.001, "high": 0.1}})");
  try {
    check_train_flags(typo, {});
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'learning_rate' names no option of nnlab train"), std::string::npos)
        << e.what();
  }
  SearchSpace flagged =
      SearchSpace::parse(R"({"learning_rate": {"type": "float", "low": 0.001, "high": 0.1, "flag": "--lr"}})");
  EXPECT_NO_THROW(check_train_flags(flagged, {}));
}

TEST(TrainFlags, ReportLinesRoundTrip) {
  EXPECT_EQ(format_report(3, 0.875), "nnlab:report 3 0.875");
  EXPECT_EQ(parse_report(format_report(3, 0.875)), (std::pair<int64_t, double>{3, 0.875}));
  EXPECT_FALSE(parse_report("nnlab:report 3").has_value());
  EXPECT_FALSE(parse_report("nnlab:report x 0.5").has_value());
  EXPECT_FALSE(parse_report("epoch 3 0.5").has_value());
}

TEST(ProcessObjective, LastNumberAndReports) {
  FakeContext ctx;
  auto r = run_command("echo 'nnlab:report 1 0.5'; echo 'nnlab:report 2 0.25'; echo 'loss = {x} (final)'", ctx);
  EXPECT_EQ(r.outcome, Outcome::Complete) << r.message;
  EXPECT_EQ(r.value, 0.25);
  ASSERT_EQ(ctx.reports.size(), 2u);
  EXPECT_EQ(ctx.reports[1].step, 2);
  // The trial number reaches the program.
  EXPECT_EQ(run_command("echo $NNLAB_TRIAL_NUMBER", ctx).value, 7);
  // A JSON last line with a metric.
  ProcessObjectiveOptions o;
  o.metric = "val_accuracy";
  auto j = make_command_objective("echo '{{\"val_accuracy\": 0.875, \"val_loss\": 0.4}}'", xy_space(), o)
               ->evaluate({{"x", 0.1}, {"name", "plain"}}, ctx);
  EXPECT_EQ(j.value, 0.875);
  EXPECT_EQ(j.metrics["val_loss"], 0.4);
  auto missing = make_command_objective("echo '{{\"acc\": 1}}'", xy_space(), o)->evaluate({{"x", 0.1}}, ctx);
  EXPECT_EQ(missing.outcome, Outcome::Failed);
  EXPECT_NE(missing.message.find("val_accuracy"), std::string::npos);
}

TEST(ProcessObjective, FailuresCarryTheirStderr) {
  FakeContext ctx;
  auto exit3 = run_command("echo 'loading' >&2; echo 'out of memory' >&2; exit 3", ctx);
  EXPECT_EQ(exit3.outcome, Outcome::Failed);
  EXPECT_NE(exit3.message.find("exited with status 3: out of memory"), std::string::npos) << exit3.message;
  EXPECT_NE(exit3.message.find("loading"), std::string::npos);
  auto crash = run_command("kill -SEGV $$", ctx);
  EXPECT_EQ(crash.outcome, Outcome::Failed);
  EXPECT_NE(crash.message.find("signal 11"), std::string::npos) << crash.message;
  auto silent = run_command("echo done", ctx);
  EXPECT_EQ(silent.outcome, Outcome::Failed);
  EXPECT_NE(silent.message.find("no number"), std::string::npos);
  auto nan = run_command("echo nan", ctx);
  EXPECT_EQ(nan.outcome, Outcome::Failed);
  auto bad = run_command("echo 'nnlab:report one 0.5'; sleep 5; echo 1", ctx);
  EXPECT_EQ(bad.outcome, Outcome::Failed);
  EXPECT_NE(bad.message.find("nnlab:report STEP VALUE"), std::string::npos);
  ProcessObjectiveOptions o;
  SearchSpace lr = SearchSpace::parse(R"({"lr": {"type": "float", "low": 0.001, "high": 0.1}})");
  auto missing = make_train_objective("/nonexistent/trainer", {}, lr, o)->evaluate({{"lr", 0.01}}, ctx);
  EXPECT_EQ(missing.outcome, Outcome::Failed);
  EXPECT_NE(missing.message.find("status 127"), std::string::npos);
  EXPECT_NE(missing.message.find("cannot run /nonexistent/trainer"), std::string::npos) << missing.message;
}

TEST(ProcessObjective, PrunedRunIsTerminatedEvenIfItIgnoresSigterm) {
  TempDir dir;
  FakeContext ctx;
  ctx.prune_above = 2.5;
  std::string done = (dir.path / "finished").string(), pid = (dir.path / "pid").string();
  // Ignores SIGTERM, so only the SIGKILL after the grace period stops it.
  std::string cmd = "trap '' TERM; echo $$ > " + pid + "; for s in 1 2 3 4 5 6 7 8 9; do echo nnlab:report $s $s; "
                    "sleep 0.1; done; touch " + done + "; echo 0";
  auto r = run_command(cmd, ctx, 0.3);
  EXPECT_EQ(r.outcome, Outcome::Pruned);
  EXPECT_NE(r.message.find("step 3"), std::string::npos) << r.message;
  EXPECT_FALSE(std::filesystem::exists(done));
  pid_t shell = std::stoi(nnlab::tune::testing::slurp(pid));
  EXPECT_FALSE(nnlab::tune::testing::process_running(shell));  // gone
  EXPECT_EQ(ctx.reports.size(), 3u);
}
