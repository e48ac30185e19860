// nnlab bench: the reference's config grid, the timing method, and the verb end to end
// (its JSON carries torch_bench.py's fields). No timing is asserted, only that there is one.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "nnlab/bench.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "support/cli.h"

using namespace nnlab;
using nnlab::testing::run_cli;

namespace {

TEST(Bench, DefaultGridIsTheReferences) {
  const std::vector<std::string> all{"logreg", "mlp", "lenet5", "alexnet", "vgg11", "vgg16", "resnet20", "resnet18"};
  auto configs = bench::default_configs(all, {}, {{3, 32, 32}, {1, 28, 28}});
  // 3 small models x 3 batches + 5 large x 2 on 3x32x32; lenet5 and mlp x 3 on 1x28x28.
  ASSERT_EQ(configs.size(), 25u);
  int on28 = 0;
  for (const auto& c : configs) {
    if (c.shape == Shape{1, 28, 28}) {
      ++on28;
      EXPECT_TRUE(c.model == "lenet5" || c.model == "mlp") << c.model;
    }
    if (c.batch == 256) {
      EXPECT_TRUE(c.model == "logreg" || c.model == "mlp" || c.model == "lenet5") << c.model;
    }
  }
  EXPECT_EQ(on28, 6);
  EXPECT_EQ(bench::default_configs({"resnet20"}, {32}, {{3, 32, 32}}).size(), 1u);
  EXPECT_THROW(bench::default_configs({"resnet21"}, {}, {{3, 32, 32}}), ConfigError);
}

TEST(Bench, TimingIsTheMedianOfAtLeastThreeWindowsAfterWarmUp) {
  int calls = 0;
  bench::Timing t = bench::time_steps([&] { ++calls; }, 10, 0.01);
  EXPECT_GE(t.rates.size(), 3u);
  EXPECT_LE(t.rates.size(), 5u);
  EXPECT_GT(t.img_s, 0);
  EXPECT_GT(calls, t.steps);  // the warm-up steps are not counted
  std::vector<double> r = t.rates;
  std::sort(r.begin(), r.end());
  EXPECT_DOUBLE_EQ(t.img_s, r.size() % 2 ? r[r.size() / 2] : 0.5 * (r[r.size() / 2 - 1] + r[r.size() / 2]));
}

// `nnlab bench ARGS --json FILE` and the file it wrote (null when the run failed: the
// caller's ASSERT on the exit code says why).
struct BenchRun {
  nnlab::testing::CliResult cli;
  nlohmann::json json;
};

BenchRun run_bench(const std::string& args, const std::string& env = "") {
  static int counter = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("nnlab_bench_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".json");
  BenchRun r{run_cli("bench " + args + " --json " + path.string(), env), nullptr};
  if (r.cli.code == 0) r.json = nlohmann::json::parse(io::read_file(path));
  std::filesystem::remove(path);
  return r;
}

TEST(CliBench, WritesTheReferenceSchema) {
  const auto r = run_bench("--models logreg,lenet5 --batch 4 --shapes 1x28x28 --seconds 0.05 --wait-idle 0 --retries 0 "
                           "--threads 1");
  ASSERT_EQ(r.cli.code, 0) << r.cli.err;
  const auto& j = r.json;
  EXPECT_EQ(j.at("meta").at("threads").get<int>(), 1);
  ASSERT_EQ(j.at("results").size(), 1u);  // logreg does not run on 1x28x28, as in the reference
  const auto& row = j.at("results")[0];
  EXPECT_EQ(row.at("model"), "lenet5");
  EXPECT_EQ(row.at("shape"), "1x28x28");
  EXPECT_EQ(row.at("batch"), 4);
  EXPECT_NEAR(row.at("fwd_flops").get<double>(), 832640, 1000);  // the reference: 0.833 MFLOP
  for (const char* k : {"train_img_s", "infer_img_s", "train_gflop_s", "infer_gflop_s", "peak_rss_mb", "final_loss"})
    EXPECT_GT(row.at(k).get<double>(), 0) << k;
  EXPECT_GE(row.at("train_rates").size(), 3u);
}

TEST(CliBench, InferOnlyGivesEachForwardsMedianAndP99) {
  const auto r = run_bench("--models lenet5 --batch 1 --shapes 1x28x28 --seconds 0.1 --wait-idle 0 --retries 0 "
                           "--threads 1 --infer-only");
  ASSERT_EQ(r.cli.code, 0) << r.cli.err;
  const auto& row = r.json.at("results").at(0);
  EXPECT_FALSE(row.contains("train_img_s")) << "training was not asked for";
  const double median = row.at("infer_ms_median").get<double>(), p99 = row.at("infer_ms_p99").get<double>();
  EXPECT_GT(median, 0);
  EXPECT_GE(p99, median);
  // One image per forward: the median rate and the median time describe the same calls.
  EXPECT_NEAR(row.at("infer_img_s").get<double>() * median / 1e3, 1.0, 0.5);
  EXPECT_EQ(run_cli("bench --no-infer --infer-only --seconds 0.01").code, 2);
}

// With every core busy at start, nnlab's OpenMP workers get the short spin (backend.h); the
// long one would take the time slices the other processes need.
TEST(CliBench, ABusyMachineGetsTheShortSpin) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> busy;
  for (unsigned i = 0; i < std::max(1u, std::thread::hardware_concurrency()); ++i)
    busy.emplace_back([&] {
      volatile uint64_t x = 0;
      while (!stop.load(std::memory_order_relaxed)) x = x + 1;
    });
  const auto r = run_bench("--models logreg --batch 4 --shapes 3x32x32 --seconds 0.01 --wait-idle 0 --retries 0 "
                           "--no-infer",
                           "env -u NNLAB_THREAD_ENV -u GOMP_SPINCOUNT -u OMP_WAIT_POLICY");
  stop = true;
  for (auto& t : busy) t.join();
  ASSERT_EQ(r.cli.code, 0) << r.cli.err;
  EXPECT_EQ(r.json.at("meta").at("env").at("GOMP_SPINCOUNT"), "300");
}

TEST(CliBench, BadFlagsAreUsageErrors) {
  auto r = run_cli("bench --shapes 3x32 --seconds 0.01");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--shapes"), std::string::npos) << r.err;
  r = run_cli("bench --batch 0");
  EXPECT_EQ(r.code, 2);
  r = run_cli("bench --models nosuch --seconds 0.01 --wait-idle 0");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("nosuch"), std::string::npos) << r.err;
}

}  // namespace
