// nnlab experiment mlp-cifar10 --quick: the searches have the same budget, the ranking and
// the best configuration are the ones in results.json, the tuner saw no test number, and
// the report names the dataset it really used.
#include <cmath>

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
