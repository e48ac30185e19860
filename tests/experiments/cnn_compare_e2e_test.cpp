// nnlab experiment cnn-compare --quick: six models under one budget, each row of the table
// the numbers of its run, parameter counts those of shared/MODELS.md, peak memory measured
// per model.
#include <cmath>
#include <map>

#include "experiments/experiment_test_util.h"
#include "nnlab/report/format.h"

using namespace nnlab::experiments::testing;
using nlohmann::json;
namespace rp = nnlab::report;
namespace fs = std::filesystem;

TEST(ExperimentCnnCompare, QuickRunTableIsEachModelsOwnRun) {
  ScratchDir dir;
  const fs::path out = dir.path / "cnn";
  run_quick("cnn-compare", out);
  const json results = load_json(out / "results.json");
  const std::string report = slurp(out / "report.md");
  expect_plots(out, 2);
  const json& models = results.at("models");
  ASSERT_EQ(models.size(), 6u);

  const bool fmnist = results.at("dataset").at("used") == "fashion-mnist";
  // Parameter counts for one 28×28 grey channel and 10 classes, from shared/MODELS.md.
  const std::map<std::string, double> published{{"lenet5", 61706},   {"alexnet", 23271114}, {"vgg11", 9227210},
                                                {"vgg16", 14722890}, {"resnet20", 272186},  {"resnet18", 11172810}};
  const int64_t epochs = results.at("budget").at("epochs").get<int64_t>();
  const double train_images = results.at("budget").at("train_subset").get<double>();
  double best_test = -1;
  std::string best_model;
  for (const json& m : models) {
    const std::string name = m.at("model");
    ASSERT_FALSE(m.contains("failed")) << m.dump();
    const json& s = m.at("summary");
    EXPECT_EQ(static_cast<int64_t>(m.at("history").size()), epochs);
    EXPECT_GT(m.at("peak_rss_bytes").get<double>(), 10e6) << name;
    EXPECT_GT(m.at("counts").at("flops").get<double>(), 0);
    if (fmnist) {
      EXPECT_EQ(m.at("counts").at("parameters").get<double>(), published.at(name)) << name;
    }
    EXPECT_TRUE(fs::exists(out / "runs" / name / "metrics.jsonl"));
    // The budget the report states, whatever nnlab train's defaults are.
    const json config = load_json(out / "runs" / name / "config.json");
    EXPECT_EQ(config.at("optimizer"), "adam") << name;
    EXPECT_EQ(config.at("lr"), 1e-3) << name;
    EXPECT_EQ(config.at("weight_decay"), 0.0) << name;
    EXPECT_EQ(config.at("schedule"), "none") << name;
    EXPECT_EQ(config.at("flip"), "off") << name;
    EXPECT_EQ(config.at("crop"), 0) << name;
    const double ips = epochs * train_images / s.at("train_seconds").get<double>();
    const std::string row = "| " + name + " | " + rp::percent(s.at("train_accuracy").get<double>(), 2) + " | " +
                            rp::percent(s.at("test_accuracy").get<double>(), 2) + " | " +
                            rp::si(m.at("counts").at("parameters").get<double>()) + " | " +
                            rp::si(m.at("counts").at("flops").get<double>()) + " | " +
                            rp::seconds(s.at("train_seconds").get<double>()) + " | " + rp::fixed(ips, 1) + " | " +
                            rp::bytes(m.at("peak_rss_bytes").get<double>()) + " |";
    EXPECT_TRUE(contains(report, row)) << row;
    if (s.at("test_accuracy").get<double>() > best_test) {
      best_test = s.at("test_accuracy").get<double>();
      best_model = name;
    }
  }
  EXPECT_TRUE(contains(
      report, "Highest test accuracy under this budget: " + best_model + " (" + rp::percent(best_test, 2) + ")"));
  if (fmnist) {
    EXPECT_EQ(report.rfind("# Six CNNs under one budget on Fashion-MNIST (SVHN not found)", 0), 0u);
  }
}
