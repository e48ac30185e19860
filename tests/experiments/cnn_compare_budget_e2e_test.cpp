// nnlab experiment cnn-compare beyond --quick, at test size (a few hundred images): each
// model's recipe in its run's config.json and in the report, the two budgets, the per-model
// run directories and --resume after a kill, and training under a launcher.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

#include "experiments/experiment_test_util.h"
#include "nnlab/report/format.h"
#include "dist/mpirun.h"
#include "support/process.h"

using namespace nnlab::experiments::testing;
using nnlab::testing::run_cli;
using nlohmann::json;
namespace rp = nnlab::report;
namespace fs = std::filesystem;

namespace {

const std::string kSmall = " --threads 2 --train-subset 256 --test-subset 64";

const json& model_entry(const json& results, const std::string& name) {
  for (const json& m : results.at("models"))
    if (m.at("model") == name) return m;
  throw std::runtime_error("no model " + name + " in results.json");
}

bool wait_for(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Whether no process holds the run directory's lock (nnlab's flock on DIR/.nnlab.lock).
bool unlocked(const fs::path& run_dir) {
  const int fd = ::open((run_dir / ".nnlab.lock").c_str(), O_RDONLY);
  if (fd < 0) return true;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return free;
}

size_t lines_of(const fs::path& file) {
  std::ifstream in(file);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

}  // namespace

TEST(ExperimentCnnCompareBudget, TimeBudgetUnderALauncherTrainsEachModelByItsRecipe) {
  ScratchDir dir;
  const fs::path out = dir.path / "cnn";
  auto r = run_cli("experiment cnn-compare --budget time:1s --models resnet20,lenet5 --launcher env" + kSmall +
                   " --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const json results = load_json(out / "results.json");
  const std::string report = slurp(out / "report.md");
  expect_plots(out, 2);
  EXPECT_EQ(results.at("budget").at("kind"), "time");
  EXPECT_EQ(results.at("budget").at("seconds").get<double>(), 1.0);
  EXPECT_EQ(results.at("budget").at("launcher"), "env");
  ASSERT_EQ(results.at("models").size(), 2u);
  EXPECT_EQ(results.at("models")[0].at("model"), "lenet5");  // the experiment's order, not the flag's

  for (const char* name : {"lenet5", "resnet20"}) {
    const json& m = model_entry(results, name);
    ASSERT_FALSE(m.contains("failed")) << m.dump();
    EXPECT_EQ(m.at("status"), "trained");
    EXPECT_EQ(m.at("command").get<std::string>().rfind("env ", 0), 0u) << m.at("command");
    EXPECT_EQ(m.at("run_dir"), std::string("runs/") + name);
    // The plan came from the model's measured speed and is what the run trained.
    const json& plan = m.at("plan");
    EXPECT_GT(plan.at("images_per_second").get<double>(), 0);
    EXPECT_GT(plan.at("calibration").at("probe_images").get<int64_t>(), 0);
    EXPECT_TRUE(fs::exists(out / "calibration" / name / "metrics.jsonl"));
    const int64_t epochs = plan.at("epochs").get<int64_t>();
    EXPECT_EQ(static_cast<int64_t>(m.at("history").size()), epochs);
    EXPECT_EQ(lines_of(out / "runs" / name / "metrics.jsonl"), static_cast<size_t>(epochs));
    const json config = load_json(out / "runs" / name / "config.json");
    EXPECT_EQ(config.at("epochs").get<int64_t>(), epochs);
    EXPECT_EQ(config.at("train_subset").get<int64_t>(),
              plan.at("whole_set").get<bool>() ? 256 : plan.at("train_images").get<int64_t>());
    EXPECT_NEAR(epochs * plan.at("train_images").get<double>() / plan.at("images_per_second").get<double>(),
                plan.at("planned_seconds").get<double>(), 1e-9);
    // The recipe the report states is the one the run trained with.
    const json& recipe = m.at("recipe");
    EXPECT_EQ(config.at("optimizer"), recipe.at("optimizer")) << name;
    EXPECT_EQ(config.at("lr"), recipe.at("lr")) << name;
    EXPECT_EQ(config.at("schedule"), recipe.at("schedule")) << name;
    EXPECT_EQ(config.at("crop"), recipe.at("crop")) << name;
    EXPECT_EQ(config.at("batch_size"), recipe.at("batch_size")) << name;
    EXPECT_TRUE(contains(report, recipe.at("why").get<std::string>())) << name;
  }
  const json resnet = load_json(out / "runs" / "resnet20" / "config.json");
  EXPECT_EQ(resnet.at("optimizer"), "sgd");
  EXPECT_EQ(resnet.at("lr"), 0.1);
  EXPECT_EQ(resnet.at("momentum"), 0.9);
  EXPECT_EQ(resnet.at("nesterov"), true);
  // One-cycle, unless the plan left it under three steps (then a constant rate: cnn_recipes.h).
  const json& rplan = model_entry(results, "resnet20").at("plan");
  const int64_t steps = rplan.at("epochs").get<int64_t>() * ((rplan.at("train_images").get<int64_t>() + 127) / 128);
  EXPECT_EQ(resnet.at("schedule"), steps >= 3 ? "onecycle" : "none");
  EXPECT_EQ(resnet.at("crop"), 4);
  const json lenet = load_json(out / "runs" / "lenet5" / "config.json");
  EXPECT_EQ(lenet.at("optimizer"), "adamw");
  EXPECT_EQ(lenet.at("schedule"), "cosine");
  EXPECT_TRUE(contains(report, "Equal training time (`--budget time:1s`)"));
  EXPECT_TRUE(contains(report, "| sgd lr 0.1, momentum 0.9 (Nesterov), decay 0.0005 | 128 |"));
  EXPECT_TRUE(contains(report, "--budget time:1s --models resnet20,lenet5 --train-subset 256 --test-subset 64 "
                               "--launcher 'env' --out DIR"));
}

TEST(ExperimentCnnCompareBudget, ResumeKeepsFinishedModelsAndContinuesAHalfTrainedOne) {
  ScratchDir dir;
  const fs::path out = dir.path / "cnn";
  const std::string args = "experiment cnn-compare --budget epochs:4 --models lenet5,resnet20 --threads 2 "
                           "--train-subset 512 --test-subset 64 --out " + out.string();
  const pid_t pid = nnlab::testing::spawn_cli(args, (dir.path / "first.log").string());
  ASSERT_GT(pid, 0);
  // Killed once lenet5 is done and resnet20 has a checkpoint, before resnet20's last epoch.
  const bool reached = wait_for(
      [&] {
        return fs::exists(out / "models" / "lenet5.json") && fs::exists(out / "runs/resnet20/checkpoint.safetensors") &&
               lines_of(out / "runs/resnet20/metrics.jsonl") >= 1;
      },
      std::chrono::seconds(300));
  const bool killed = nnlab::testing::kill_hard(pid);
  ASSERT_TRUE(reached) << slurp(dir.path / "first.log");
  ASSERT_TRUE(killed) << "the comparison finished before it could be interrupted";
  ASSERT_FALSE(fs::exists(out / "results.json"));
  const size_t epochs_before = lines_of(out / "runs/resnet20/metrics.jsonl");
  ASSERT_LT(epochs_before, 4u);
  const std::string lenet_metrics = slurp(out / "runs/lenet5/metrics.jsonl");
  const auto lenet_time = fs::last_write_time(out / "runs/lenet5/metrics.jsonl");
  std::string first_resnet_epoch = slurp(out / "runs/resnet20/metrics.jsonl");
  first_resnet_epoch = first_resnet_epoch.substr(0, first_resnet_epoch.find('\n'));
  // The killed `nnlab train` dies with its parent; its run directory lock goes with it.
  ASSERT_TRUE(wait_for([&] { return unlocked(out / "runs/resnet20"); }, std::chrono::seconds(30)));

  auto again = run_cli("experiment cnn-compare --seed 3 --resume " + out.string());
  EXPECT_EQ(again.code, 2);  // the options are the directory's
  EXPECT_TRUE(contains(again.err, "drop --seed")) << again.err;
  auto fresh = run_cli("experiment cnn-compare --out " + out.string());
  EXPECT_EQ(fresh.code, 2);
  EXPECT_TRUE(contains(fresh.err, "--resume " + out.string())) << fresh.err;

  auto r = run_cli("experiment --resume " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const json results = load_json(out / "results.json");
  EXPECT_TRUE(results.at("options").at("resumed").get<bool>());
  const json& lenet = model_entry(results, "lenet5");
  EXPECT_EQ(lenet.at("status"), "finished earlier");
  EXPECT_EQ(slurp(out / "runs/lenet5/metrics.jsonl"), lenet_metrics);
  EXPECT_EQ(fs::last_write_time(out / "runs/lenet5/metrics.jsonl"), lenet_time);
  const json& resnet = model_entry(results, "resnet20");
  EXPECT_EQ(resnet.at("status"), "resumed");
  EXPECT_TRUE(contains(resnet.at("command").get<std::string>(), "train --resume"));
  ASSERT_EQ(resnet.at("history").size(), 4u);
  EXPECT_EQ(resnet.at("history")[0].dump(), json::parse(first_resnet_epoch).dump());
  const std::string report = slurp(out / "report.md");
  EXPECT_TRUE(contains(report, "runs/lenet5 (finished earlier)"));
  EXPECT_TRUE(contains(report, "runs/resnet20 (resumed)"));
  EXPECT_TRUE(contains(report, "Equal epochs (`--budget epochs:4`)"));
  auto done = run_cli("experiment --resume " + out.string());
  EXPECT_EQ(done.code, 1);
  EXPECT_TRUE(contains(done.err, "finished already"));
}

TEST(ExperimentCnnCompareBudget, AFailingLauncherIsReportedWithItsStatusAndLastStderrLine) {
  ScratchDir dir;
  const fs::path out = dir.path / "cnn";
  auto r = run_cli("experiment cnn-compare --budget epochs:1 --models lenet5" + kSmall +
                   " --launcher \"sh -c 'echo starting >&2; echo no such host: b >&2; exit 3' sh\" --out " +
                   out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const json results = load_json(out / "results.json");
  const json& m = model_entry(results, "lenet5");
  ASSERT_TRUE(m.contains("failed"));
  const std::string failed = m.at("failed");
  EXPECT_TRUE(contains(failed, "exited with status 3")) << failed;
  // The last line of its stderr, not the ones before.
  EXPECT_EQ(failed.substr(failed.size() - std::string(" exited with status 3: no such host: b").size()),
            " exited with status 3: no such host: b")
      << failed;
  EXPECT_FALSE(fs::exists(out / "models" / "lenet5.json"));  // a resumed comparison tries it again
  EXPECT_TRUE(contains(slurp(out / "report.md"), "no such host: b"));
}

TEST(ExperimentCnnCompareBudget, BadFlagsAreUsageErrors) {
  struct Case {
    std::string args, message;
  };
  for (const Case& c : std::vector<Case>{
           {"cnn-compare --budget epochs:0", "--budget 'epochs:0'"},
           {"cnn-compare --budget time:5d", "unknown unit 'd'"},
           {"cnn-compare --models lenet5,vgg19", "'vgg19' is not one of cnn-compare's models"},
           {"cnn-compare --launcher \"mpirun 'x\"", "never closed"},
           {"cnn-compare --quick --budget epochs:2", "--quick is the fixed smoke run"},
           {"convexity --budget epochs:2", "--budget is an option of cnn-compare"},
           {"cnn-compare --repeats 2", "--repeats is an option of mlp-cifar10"},
           {"mlp-cifar10 --workers 0", "--workers 0"},
           {"convexity --resume /nonexistent/dir", "--resume /nonexistent/dir"},
       }) {
    auto r = run_cli("experiment " + c.args);
    EXPECT_EQ(r.code, 2) << c.args << ": " << r.err;
    EXPECT_TRUE(contains(r.err, c.message)) << c.args << ": " << r.err;
  }
}

// A real launcher: each model's training on two MPI ranks, the run directory written by rank 0.
TEST(ExperimentCnnCompareBudget, TrainsUnderMpirun) {
#ifndef NNLAB_WITH_MPI
  GTEST_SKIP() << "built without MPI (libopenmpi-dev)";
#endif
  ScratchDir dir;
  const fs::path out = dir.path / "cnn";
  const std::string launcher = nnlab::testing::mpirun_prefix(2);
  auto r = run_cli("experiment cnn-compare --budget epochs:2 --models lenet5 --threads 1 --train-subset 256 "
                   "--test-subset 64 --launcher '" + launcher + "' --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const json results = load_json(out / "results.json");
  const json& m = model_entry(results, "lenet5");
  ASSERT_FALSE(m.contains("failed")) << m.dump();
  EXPECT_EQ(m.at("command").get<std::string>().rfind(launcher + " ", 0), 0u) << m.at("command");
  ASSERT_EQ(m.at("history").size(), 2u);
  for (const json& e : m.at("history")) EXPECT_EQ(e.at("ranks"), 2) << e.dump();
  EXPECT_TRUE(contains(slurp(out / "report.md"), "under `" + launcher + "`"));
}
