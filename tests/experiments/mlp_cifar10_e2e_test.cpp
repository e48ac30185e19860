// nnlab experiment mlp-cifar10 --quick: the searches have the same budget, the ranking and
// the best configuration are the ones in results.json, the tuner saw no test number, and
// the report names the dataset it really used.
#include <cmath>
#include <map>

#include "experiments/experiment_test_util.h"
#include "nnlab/report/format.h"

using namespace nnlab::experiments::testing;
using nlohmann::json;
namespace rp = nnlab::report;
namespace fs = std::filesystem;

TEST(ExperimentMlpCifar10, QuickRunRanksTrialsAndTestsTheBestOnce) {
  ScratchDir dir;
  const fs::path out = dir.path / "mlp";
  run_quick("mlp-cifar10", out);
  const json results = load_json(out / "results.json");
  const std::string report = slurp(out / "report.md");
  expect_plots(out, 2);
  EXPECT_TRUE(fs::exists(out / "studies.db"));

  // The dataset used is the one the report names; a fallback says where CIFAR-10 goes.
  const json& d = results.at("dataset");
  if (d.at("fallback").get<bool>()) {
    EXPECT_EQ(d.at("used"), "fashion-mnist");
    EXPECT_EQ(report.rfind("# MLP on Fashion-MNIST (CIFAR-10 not found)", 0), 0u);
    EXPECT_TRUE(contains(report, "cifar-10-binary.tar.gz"));
    EXPECT_TRUE(contains(report, "https://www.cs.toronto.edu/~kriz/"));
  } else {
    EXPECT_EQ(report.rfind("# MLP on CIFAR-10", 0), 0u);
  }

  // The same budget for each search; the tuner never saw a test number.
  const int budget = results.at("budget").at("trials_per_search").get<int>();
  std::vector<double> values;
  double best = -1;
  for (const json& s : results.at("searches")) {
    EXPECT_EQ(static_cast<int>(s.at("trials").size()), budget) << s.at("name");
    for (const json& t : s.at("trials")) {
      ASSERT_EQ(t.at("state"), "complete") << t.dump();
      for (auto& [key, value] : t.at("metrics").items()) EXPECT_EQ(key.find("test"), std::string::npos) << key;
      values.push_back(t.at("value").get<double>());
      best = std::max(best, t.at("value").get<double>());
    }
  }
  EXPECT_EQ(values.size(), 3u * budget);
  EXPECT_DOUBLE_EQ(results.at("best").at("value").get<double>(), best);

  // The ranking: every trial, best first, each value as results.json has it.
  std::sort(values.rbegin(), values.rend());
  size_t pos = report.find("| rank |");
  ASSERT_NE(pos, std::string::npos);
  for (size_t rank = 1; rank <= values.size(); ++rank) {
    const std::string prefix = "\n| " + std::to_string(rank) + " | ";
    pos = report.find(prefix, pos);
    ASSERT_NE(pos, std::string::npos) << "rank " << rank;
    const size_t line_end = report.find('\n', pos + 1);
    const std::string line = report.substr(pos, line_end - pos);
    EXPECT_TRUE(contains(line, "| " + rp::percent(values[rank - 1], 2) + " |")) << line;
  }

  // The best configuration, retrained on train + validation and tested on the whole test set.
  const json& final = results.at("final");
  EXPECT_EQ(final.at("config").at("val_fraction").get<double>(), 0.0);
  EXPECT_EQ(final.at("test_count").get<int64_t>(), 10000);
  EXPECT_TRUE(contains(report, "tested once: test accuracy " + rp::percent(final.at("test_accuracy").get<double>(), 2) +
                                   " on the 10000 "));
  EXPECT_TRUE(contains(report, "validation accuracy " + rp::percent(best, 2)));
}

// --repeats: each search per seed, mean and range from the per-repeat bests, a search called
// better only beyond the spread; --workers: the trials shared by worker processes on the
// study's storage, each study still at its trial budget.
TEST(ExperimentMlpCifar10, RepeatsGiveMeanAndSpreadAndWorkersShareTheStudies) {
  ScratchDir dir;
  const fs::path out = dir.path / "mlp";
  auto r = nnlab::testing::run_cli("experiment mlp-cifar10 --quick --repeats 2 --workers 2 --threads 2 --out " +
                                   out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const json results = load_json(out / "results.json");
  const std::string report = slurp(out / "report.md");
  EXPECT_EQ(results.at("budget").at("repeats"), 2);
  EXPECT_EQ(results.at("budget").at("workers"), 2);
  EXPECT_EQ(results.at("budget").at("spread"), "range");
  const int budget = results.at("budget").at("trials_per_search").get<int>();
  ASSERT_EQ(results.at("searches").size(), 6u);
  std::map<std::string, std::vector<double>> bests;
  for (const json& s : results.at("searches")) {
    EXPECT_EQ(s.at("study"), s.at("name").get<std::string>() + "-" + std::to_string(s.at("repeat").get<int>()));
    EXPECT_EQ(s.at("seed").get<int>(), s.at("repeat").get<int>() - 1);
    EXPECT_EQ(static_cast<int>(s.at("trials").size()), budget) << s.at("study");
    double best = -1;
    for (const json& t : s.at("trials")) {
      ASSERT_EQ(t.at("state"), "complete") << t.dump();
      best = std::max(best, t.at("value").get<double>());
    }
    bests[s.at("name")].push_back(best);
  }
  std::map<std::string, double> mean, range;
  for (const json& m : results.at("search_summary")) {
    const std::string name = m.at("name");
    const std::vector<double>& v = bests.at(name);
    EXPECT_EQ(m.at("best_per_repeat").get<std::vector<double>>(), v);
    mean[name] = (v[0] + v[1]) / 2;
    range[name] = std::abs(v[0] - v[1]);
    EXPECT_NEAR(m.at("mean").get<double>(), mean[name], 1e-12);
    EXPECT_NEAR(m.at("range").get<double>(), range[name], 1e-12);
    EXPECT_TRUE(contains(report, "| " + name + " | " + rp::percent(v[0], 2) + " | " + rp::percent(v[1], 2) + " | " +
                                     rp::percent(m.at("mean").get<double>(), 2) + " |"))
        << name;
  }
  ASSERT_EQ(results.at("comparisons").size(), 3u);
  for (const json& c : results.at("comparisons")) {
    const std::string a = c.at("a"), b = c.at("b");
    const double diff = mean[a] - mean[b], spread = std::max(range[a], range[b]);
    EXPECT_NEAR(c.at("difference").get<double>(), diff, 1e-12);
    EXPECT_EQ(c.at("separated").get<bool>(), std::abs(diff) > spread) << a << " vs " << b;
    if (c.at("separated").get<bool>()) {
      EXPECT_EQ(c.at("better"), diff > 0 ? a : b);
      const std::string win = diff > 0 ? a : b, lose = diff > 0 ? b : a;
      EXPECT_TRUE(contains(report, win + " beats " + lose + " by " + rp::fixed(100 * std::abs(diff), 2) + " points"));
    } else {
      EXPECT_TRUE(c.at("better").is_null());
      EXPECT_TRUE(contains(report, a + " and " + b + " (" + rp::fixed(100 * std::abs(diff), 2) + " points apart"));
    }
  }
  EXPECT_TRUE(contains(report, "better only when its mean exceeds the other's by more than the spread"));
  EXPECT_TRUE(contains(report, "--repeats 2 --workers 2 --out DIR"));
  EXPECT_TRUE(fs::exists(out / "jobs" / "gp-2.json"));
}
