// nnlab tune driving the real nnlab train: a small grid on a Fashion-MNIST subset with two
// worker processes; every trial completes with the trainer's validation accuracy.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nnlab/io/atomic_file.h"
#include "support/cli.h"

using nnlab::testing::run_cli;
namespace fs = std::filesystem;

namespace {

TEST(TuneTrain, GridOverRealTrainingRunsWithTwoWorkers) {
  fs::path dir = fs::temp_directory_path() / ("nnlab_tune_e2e_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  nnlab::io::write_file_atomic(dir / "space.json", R"({"lr": {"type": "categorical", "choices": [0.0003, 0.003]},
                                                      "batch_size": {"type": "categorical", "choices": [64, 256]}})");
  auto r = run_cli("tune --study grid --storage sqlite:///" + (dir / "s.db").string() + " --space " +
                       (dir / "space.json").string() +
                       " --sampler grid --trials 4 --workers 2 --json -- --model logreg --train-subset 2000 "
                       "--epochs 2 --threads 1",
                   "cd " + dir.string() + " &&");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  auto j = nlohmann::json::parse(last);
  EXPECT_EQ(j.at("n_trials").get<int>(), 4);
  EXPECT_EQ(j.at("states").at("complete").get<int>(), 4);
  EXPECT_GT(j.at("best_value").get<double>(), 0.6);  // logreg's validation accuracy, chance 0.1
  EXPECT_DOUBLE_EQ(j.at("best_value").get<double>(), j.at("best_metrics").at("val_accuracy").get<double>());
  // Each trial trained into its own run directory.
  int runs = 0;
  for (auto& e : fs::directory_iterator(dir / "runs")) runs += fs::exists(e.path() / "summary.json");
  EXPECT_EQ(runs, 4);
  fs::remove_all(dir);
}

}  // namespace
