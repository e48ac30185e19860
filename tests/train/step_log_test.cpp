// steps.jsonl (`log_steps`): a line every K steps with the step's loss and learning rate,
// rank 0 alone under mpirun (tests/dist/sync_bn_train_test.cpp compares 2 ranks' lines
// with one process's); a resumed run keeps the lines of the finished epochs only.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli.h"
#include "support/run_files.h"

using nnlab::testing::run_cli;
namespace fs = std::filesystem;

namespace {

// 900 training images (1000 less the validation split) at batch 60: 15 steps an epoch.
const std::string kTrain = "train --model lenet5 --train-subset 1000 --test-subset 200 --batch-size 60 --threads 1 "
                           "--workers 0";

fs::path fresh_dir(const std::string& name) { return nnlab::testing::fresh_dir("nnlab_steplog_", name); }

std::vector<nlohmann::json> lines(const fs::path& file) {
  std::vector<nlohmann::json> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(StepLog, EveryKStepsWithTheStepsLossAndRate) {
  const fs::path dir = fresh_dir("every");
  // --sync-bn is accepted in one process, said once to change nothing.
  auto r = run_cli(kTrain + " --epochs 2 --log-steps 4 --sync-bn --json --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(count_of(r.out + r.err, "has no effect in one process"), 1u) << r.err;
  const auto steps = lines(dir / "steps.jsonl");
  ASSERT_EQ(steps.size(), 7u);  // global steps 4, 8, ..., 28 of 30
  for (size_t i = 0; i < steps.size(); ++i) {
    const int64_t global = 4 * static_cast<int64_t>(i + 1);
    EXPECT_EQ(steps[i]["global_step"], global);
    EXPECT_EQ(steps[i]["epoch"], (global - 1) / 15 + 1);
    EXPECT_EQ(steps[i]["step"], (global - 1) % 15 + 1);
    EXPECT_GT(steps[i]["loss"].get<double>(), 0);
    EXPECT_GT(steps[i]["lr"].get<double>(), 0);
  }
  // The cosine schedule steps per epoch: the rate of the step, not of the run's start.
  EXPECT_EQ(steps[0]["lr"], steps[2]["lr"]);  // global steps 4 and 12, epoch 1
  EXPECT_LT(steps[6]["lr"].get<double>(), steps[0]["lr"].get<double>());  // 28, epoch 2
  nlohmann::json config = nlohmann::json::parse(std::ifstream(dir / "config.json"));
  EXPECT_EQ(config["log_steps"], 4);
  EXPECT_EQ(config["sync_bn"], true);
  fs::remove_all(dir);
}

TEST(StepLog, OffByDefault) {
  const fs::path dir = fresh_dir("off");
  auto r = run_cli(kTrain + " --epochs 1 --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir / "steps.jsonl"));
  fs::remove_all(dir);
}

// Every step logged: the epoch's mean step loss is metrics.jsonl's training loss (equal
// batches). On resume, lines past the finished epochs (an epoch cut short, its last line
// torn) are dropped before the run continues.
TEST(StepLog, MeanIsTheEpochsLossAndResumeKeepsFinishedEpochs) {
  const fs::path dir = fresh_dir("resume");
  auto r = run_cli(kTrain + " --epochs 1 --log-steps 1 --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto first = lines(dir / "steps.jsonl");
  ASSERT_EQ(first.size(), 15u);
  double sum = 0;
  for (const auto& s : first) sum += s["loss"].get<double>();
  const auto epoch = nlohmann::json::parse(std::ifstream(dir / "metrics.jsonl"));
  EXPECT_NEAR(sum / 15, epoch["train_loss"].get<double>(), 1e-5 * epoch["train_loss"].get<double>());
  {
    std::ofstream out(dir / "steps.jsonl", std::ios::app);
    out << R"({"epoch":2,"step":1,"global_step":16,"loss":9.0,"lr":1.0})" << "\n" << R"({"epoch":2,"st)";
  }
  auto resumed = run_cli("train --resume " + dir.string() + " --epochs 2");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  const auto all = lines(dir / "steps.jsonl");
  ASSERT_EQ(all.size(), 30u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i]["global_step"], static_cast<int64_t>(i + 1));
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(all[i], first[i]);
  EXPECT_NE(all[15]["loss"].get<double>(), 9.0);
  fs::remove_all(dir);
}
