// A run directory has one writer, never takes over a user's folder, and a resumed run
// applies the changes it may make (epochs, learning rate) visibly and refuses the rest.
// End to end on real Fashion-MNIST subsets, with real processes started at once.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "data/fixtures.h"
#include "nnlab/io/atomic_file.h"
#include "support/cli.h"
#include "support/process.h"

namespace {

namespace fs = std::filesystem;
using nnlab::testing::run_cli;
using nnlab::testing::spawn_cli;
using nnlab::testing::TempDir;

const std::string kQuick = " --model logreg --train-subset 600 --test-subset 200 --threads 1 --workers 0 ";

std::vector<nlohmann::json> metrics(const fs::path& run) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(run / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

bool wait_for(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(120)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST(CliRunDirectory, ASecondWriterIsRefusedNamingTheFirstsPidAndAKilledWriterLeavesNoStaleLock) {
  TempDir tmp;
  const fs::path run = tmp / "run";
  const pid_t first = spawn_cli("train" + kQuick + "--epochs 100000 --out " + run.string());
  ASSERT_TRUE(wait_for([&] { return metrics(run).size() >= 1; }));
  // Two at once: a second `train --out` and a `--resume` of the same directory, started together.
  const pid_t second = spawn_cli("train" + kQuick + "--epochs 3 --seed 7 --out " + run.string(),
                                 (tmp / "second.log").string());
  const pid_t third = spawn_cli("train --resume " + run.string(), (tmp / "third.log").string());
  EXPECT_EQ(nnlab::testing::wait_exit(second), 1);
  EXPECT_EQ(nnlab::testing::wait_exit(third), 1);
  for (const char* log : {"second.log", "third.log"}) {
    const std::string err = nnlab::io::read_file(tmp / log);
    EXPECT_NE(err.find("is being written by another nnlab (pid " + std::to_string(first) + " on "), std::string::npos)
        << log << ": " << err;
  }
  EXPECT_TRUE(nnlab::testing::kill_hard(first));
  // One writer's epochs, in order, and its own configuration.
  const auto rows = metrics(run);
  ASSERT_GE(rows.size(), 1u);
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].at("epoch").get<size_t>(), i + 1);
  EXPECT_EQ(nlohmann::json::parse(nnlab::io::read_file(run / "config.json")).at("seed"), 0);
  // The kernel dropped the killed writer's lock: the run resumes (to one more epoch).
  const int64_t epochs = static_cast<int64_t>(rows.size()) + 1;
  auto r = run_cli("train --resume " + run.string() + " --epochs " + std::to_string(epochs) + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(metrics(run).size(), static_cast<size_t>(epochs));
}

TEST(CliRunDirectory, AFolderThatIsNotARunIsNeverWrittenInto) {
  TempDir tmp;
  const fs::path mine = tmp / "mine";
  fs::create_directories(mine);
  nnlab::testing::write_text(mine / "config.json", "my own config\n");
  nnlab::testing::write_text(mine / "metrics.jsonl", "my own metrics\n");
  auto r = run_cli("train" + kQuick + "--epochs 1 --out " + mine.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("is a directory that is not empty and not an nnlab run"), std::string::npos) << r.err;
  EXPECT_EQ(nnlab::io::read_file(mine / "config.json"), "my own config\n");
  EXPECT_EQ(nnlab::io::read_file(mine / "metrics.jsonl"), "my own metrics\n");
  EXPECT_FALSE(fs::exists(mine / "summary.json"));
  // A file where the run directory should be, and an empty directory (accepted).
  nnlab::testing::write_text(tmp / "file", "x");
  r = run_cli("train" + kQuick + "--epochs 1 --out " + (tmp / "file").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("is a file, not a directory"), std::string::npos) << r.err;
  fs::create_directories(tmp / "empty");
  EXPECT_EQ(run_cli("train" + kQuick + "--epochs 1 --out " + (tmp / "empty").string()).code, 0);
  // A finished run is not started over.
  r = run_cli("train" + kQuick + "--epochs 1 --out " + (tmp / "empty").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("already holds a run"), std::string::npos) << r.err;
}

TEST(CliRunDirectory, ResumeAppliesMoreEpochsAndANewLearningRateAndRefusesOtherChanges) {
  TempDir tmp;
  const fs::path run = tmp / "run";
  ASSERT_EQ(run_cli("train" + kQuick + "--optimizer sgd --lr 0.05 --schedule none --epochs 2 --out " + run.string()).code,
            0);
  auto r = run_cli("train --resume " + run.string() + " --epochs 4 --lr 0.01");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("resuming with --epochs 4 (was 2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("resuming with --lr 0.01 (was 0.05)"), std::string::npos) << r.out;
  auto rows = metrics(run);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_DOUBLE_EQ(rows[1].at("lr").get<double>(), 0.05);
  EXPECT_DOUBLE_EQ(rows[2].at("lr").get<double>(), 0.01);
  EXPECT_DOUBLE_EQ(rows[3].at("lr").get<double>(), 0.01);
  EXPECT_EQ(nlohmann::json::parse(nnlab::io::read_file(run / "config.json")).at("epochs"), 4);

  // What a resume cannot change is refused by name, and nothing is trained.
  for (const char* flag : {"--model mlp", "--batch-size 32", "--optimizer adam", "--dataset iris"}) {
    r = run_cli("train --resume " + run.string() + " --epochs 5 " + flag);
    EXPECT_EQ(r.code, 2) << flag;
    EXPECT_NE(r.err.find("cannot change when a run is resumed"), std::string::npos) << flag << ": " << r.err;
  }
  r = run_cli("train --resume " + run.string() + " --epochs 3");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("has finished 4 epochs already"), std::string::npos) << r.err;
  r = run_cli("train --resume " + run.string() + " --config " + (run / "config.json").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--config cannot be combined with --resume"), std::string::npos) << r.err;
  r = run_cli("train --resume " + run.string() + " --out " + (tmp / "elsewhere").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(metrics(run).size(), 4u);

  // An edit of config.json is a change like a flag: epochs is applied, the model refused.
  auto config = nlohmann::json::parse(nnlab::io::read_file(run / "config.json"));
  config["epochs"] = 5;
  nnlab::io::write_file_atomic(run / "config.json", config.dump());
  r = run_cli("train --resume " + run.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("config.json sets --epochs 5 (the run started with 4)"), std::string::npos) << r.out;
  EXPECT_EQ(metrics(run).size(), 5u);
  config["model"] = "mlp";
  config["epochs"] = 6;
  nnlab::io::write_file_atomic(run / "config.json", config.dump());
  r = run_cli("train --resume " + run.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("config.json changes --model from \"logreg\" to \"mlp\""), std::string::npos) << r.err;
  EXPECT_EQ(metrics(run).size(), 5u);

  // A cosine schedule that had annealed to its floor is stretched over the new length.
  const fs::path cosine = tmp / "cosine";
  ASSERT_EQ(run_cli("train" + kQuick + "--schedule cosine --lr 0.002 --epochs 2 --out " + cosine.string()).code, 0);
  r = run_cli("train --resume " + cosine.string() + " --epochs 4");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("the --schedule cosine continues over 4 epochs: epoch 3 trains at lr 0.001"), std::string::npos)
      << r.out;
  rows = metrics(cosine);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_NEAR(rows[2].at("lr").get<double>(), 0.001, 1e-12);  // 0.002 (1 + cos(pi 2/4)) / 2
}

TEST(CliRunDirectory, ADivergedRunContinuesWithTheLowerLearningRateItsMessageSuggests) {
  TempDir tmp;
  const fs::path run = tmp / "run";
  // A sane first epoch, then a step schedule that multiplies the rate by 1e12.
  const std::string args = "--train-subset 1000 --test-subset 200 --threads 2 --optimizer sgd --lr 0.01 --schedule "
                           "step --step-size 1 --gamma 1e12 --epochs 2 --out " + run.string();
  auto r = run_cli("train " + args);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("training diverged at epoch 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--resume " + run.string() + " --lr"), std::string::npos) << r.err;
  // The same rate diverges again; a rate 1e12 times lower continues from the epoch-1 checkpoint.
  EXPECT_EQ(run_cli("train --resume " + run.string()).code, 1);
  r = run_cli("train --resume " + run.string() + " --lr 1e-14");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = metrics(run);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NEAR(rows[1].at("lr").get<double>(), 1e-14 * 1e12, 1e-6);
  EXPECT_TRUE(std::isfinite(rows[1].at("train_loss").get<double>()));
}

TEST(CliRunDirectory, AFailedStartLeavesNoEmptyRunAndStaleTemporariesAreRemoved) {
  TempDir tmp;
  auto r = run_cli("train --model nosuch --train-subset 600 --epochs 1 --out " + (tmp / "a").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown model 'nosuch'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "a"));
  r = run_cli("train" + kQuick + "--dataset nosuch --out " + (tmp / "b").string());
  EXPECT_NE(r.code, 0);
  EXPECT_FALSE(fs::exists(tmp / "b"));
  // With no --out, no empty runs/<model>-<dataset>-<time> is left behind either.
  r = run_cli("train --dataset nosuch", "cd " + tmp.path().string() + " &&");
  EXPECT_NE(r.code, 0);
  if (fs::exists(tmp / "runs")) {
    EXPECT_TRUE(fs::is_empty(tmp / "runs"));
  }

  // A writer killed mid-write leaves NAME.tmp<pid>-<n>; the next write of NAME removes it.
  const fs::path run = tmp / "run";
  ASSERT_EQ(run_cli("train" + kQuick + "--epochs 1 --out " + run.string()).code, 0);
  const pid_t gone = nnlab::testing::spawn_cli("--version");
  nnlab::testing::wait_exit(gone);
  for (const char* name : {"config.json", "summary.json", "checkpoint.safetensors"})
    nnlab::testing::write_text(run / (std::string(name) + ".tmp" + std::to_string(gone) + "-12345"), "partial");
  ASSERT_EQ(run_cli("train --resume " + run.string() + " --epochs 2").code, 0);
  for (const auto& e : fs::directory_iterator(run))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

}  // namespace
