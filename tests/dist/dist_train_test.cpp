// End-to-end tests of `mpirun -np 2 nnlab train` on real OpenMPI processes and a real
// Fashion-MNIST subset: the same numbers as one process, rank 0 alone writing, mismatched
// ranks refused, a killed rank ending the job with an intact, resumable run directory.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "dist/mpirun.h"
#include "nnlab/io/safetensors.h"
#include "support/cli.h"
#include "support/run_files.h"

using nnlab::testing::mpirun_prefix;
using nnlab::testing::run_cli;
namespace fs = std::filesystem;

using nnlab::testing::metrics;

namespace {

// BN-free lenet5 on 2000 images (1800 train after the validation split), global batch 64.
// An even training count: DistributedSampler's padding (of an odd one) would repeat a
// sample in the last step, which one process does not see. AdamW at 2e-3, not the recipe's
// 3e-3: these tests measure the reduction, and at 3e-3 training grows the same float
// rounding (the order of a sum over 2 ranks) past 1e-4 by the second epoch (1.4e-4 measured).
const std::string kModel =
    "train --model lenet5 --train-subset 2000 --test-subset 1000 --epochs 2 --threads 1 --workers 0 --lr 0.002";
const std::string kFlags = kModel + " --batch-size 64";

fs::path fresh_dir(const std::string& name) { return nnlab::testing::fresh_dir("nnlab_dist_", name); }

// A bound on a run that should finish in seconds: a hang fails the test instead of the suite.
std::string bounded_mpirun(int ranks) { return "timeout 120 " + mpirun_prefix(ranks); }

int lines_of(const std::string& text) {
  int n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

// Rank 1's pid once the run in `dir` has finished its first epoch (or after 90 s).
pid_t rank_one_after_first_epoch(pid_t mpirun, const fs::path& dir) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (metrics(dir).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return nnlab::testing::find_rank(mpirun, 1);
}

std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp") != std::string::npos) out.push_back(e.path().filename());
  return out;
}

class DistTrain : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef NNLAB_WITH_MPI
    GTEST_SKIP() << "built without MPI (libopenmpi-dev)";
#endif
  }
};

// Same global batch and seed: 2 ranks x 32 give 1 process x 64's per-epoch losses and accuracies.
TEST_F(DistTrain, TwoRanksTrainLikeOneProcess) {
  const fs::path one = fresh_dir("one"), two = fresh_dir("two");
  auto r1 = run_cli(kFlags + " --out " + one.string() + " --json");
  ASSERT_EQ(r1.code, 0) << r1.err;
  auto r2 = run_cli(kFlags + " --out " + two.string() + " --json", bounded_mpirun(2));
  ASSERT_EQ(r2.code, 0) << r2.err;
  const auto m1 = metrics(one), m2 = metrics(two);
  ASSERT_EQ(m1.size(), 2u);
  ASSERT_EQ(m2.size(), 2u);
  for (size_t e = 0; e < m1.size(); ++e) {
    for (const char* key : {"train_loss", "val_loss", "test_loss"}) {
      const double a = m1[e][key], b = m2[e][key];
      EXPECT_LE(std::abs(a - b), 1e-4 * std::abs(a)) << key << " of epoch " << e + 1 << ": " << a << " vs " << b;
    }
    // 0.2 points; on the 200 validation images one sample is 0.5 points, so one flip may pass.
    for (const char* key : {"train_accuracy", "val_accuracy", "test_accuracy"})
      EXPECT_NEAR(m1[e][key].get<double>(), m2[e][key].get<double>(), key[0] == 'v' ? 0.0051 : 0.002)
          << key << " of epoch " << e + 1;
  }
  // The test metrics are over the whole test subset, not one rank's half.
  const auto s2 = nlohmann::json::parse(r2.out);
  EXPECT_EQ(s2["test"]["count"], 1000);
  fs::remove_all(one);
  fs::remove_all(two);
}

// Buckets of 10 KB (lenet5's 62,006 parameters in 25 buckets, most sent during backward)
// give the same bits as the default (one bucket of 1 MB): each element's sum over 2 ranks
// is the same whichever bucket carries it.
TEST_F(DistTrain, SmallBucketsGiveTheSameNumbersAsTheDefault) {
  const fs::path big = fresh_dir("big"), small = fresh_dir("small");
  const std::string flags =
      "train --model lenet5 --train-subset 2000 --test-subset 1000 --epochs 1 --threads 1 --workers 0 --batch-size 64";
  auto a = run_cli(flags + " --out " + big.string(), bounded_mpirun(2));
  ASSERT_EQ(a.code, 0) << a.err;
  auto b = run_cli(flags + " --bucket-mb 0.01 --out " + small.string(), bounded_mpirun(2));
  ASSERT_EQ(b.code, 0) << b.err;
  const auto ma = metrics(big), mb = metrics(small);
  ASSERT_EQ(ma.size(), 1u);
  ASSERT_EQ(mb.size(), 1u);
  for (const char* key : {"train_loss", "val_loss", "test_loss", "test_accuracy"})
    EXPECT_EQ(ma[0][key].get<double>(), mb[0][key].get<double>()) << key;
  // The weights too, bit for bit.
  const auto wa = nnlab::io::load_safetensors(big / "model.safetensors").tensors;
  const auto wb = nnlab::io::load_safetensors(small / "model.safetensors").tensors;
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_EQ(wa[i].tensor.to_vector(), wb[i].tensor.to_vector()) << wa[i].name;
  fs::remove_all(big);
  fs::remove_all(small);
}

// Rank 0 alone names, writes and reports the run; rank 1 writes and prints nothing. With
// batch norm (per-rank statistics, rank 0's kept) the replicas still end identical: the
// run compares their weights' hashes at the end and fails otherwise.
TEST_F(DistTrain, RankZeroAloneWritesAndReplicasEndIdentical) {
  const fs::path cwd = fresh_dir("cwd");
  fs::create_directories(cwd);
  auto r = run_cli("train --model mlp --bn --hidden 64 --train-subset 1024 --test-subset 500 --epochs 2 --threads 1 "
                   "--workers 0 --json",
                   "cd " + cwd.string() + " && " + bounded_mpirun(2));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out), 1) << r.out;  // one JSON summary: rank 0's
  std::vector<fs::path> runs;
  for (const auto& e : fs::directory_iterator(cwd / "runs")) runs.push_back(e.path());
  ASSERT_EQ(runs.size(), 1u) << "each rank named its own run directory";
  const fs::path run = runs[0];
  for (const char* f : {"config.json", "metrics.jsonl", "checkpoint.safetensors", "model.safetensors", "summary.json"})
    EXPECT_TRUE(fs::exists(run / f)) << f;
  EXPECT_TRUE(temporaries(run).empty());
  EXPECT_EQ(metrics(run).size(), 2u);  // one line per epoch, not one per rank
  // The saved model evaluates on one process to the accuracy the ranks reported together.
  auto eval = run_cli("eval --weights " + run.string() + " --test-subset 500 --json");
  ASSERT_EQ(eval.code, 0) << eval.err;
  EXPECT_NEAR(nlohmann::json::parse(eval.out)["accuracy"].get<double>(),
              nlohmann::json::parse(r.out)["test_accuracy"].get<double>(), 0.0041);  // 2 of 500: batch rounding
  fs::remove_all(cwd);
}

TEST_F(DistTrain, MismatchedFlagsAreRefusedNamingTheRank) {
  const fs::path dir = fresh_dir("mismatch");
  const std::string flags = kFlags + " --out " + dir.string();
  auto r = run_cli(flags + " --seed 1 : -np 1 " + NNLAB_CLI_PATH + " " + flags + " --seed 2", bounded_mpirun(1));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.code, 124) << "the ranks hung instead of refusing";
  EXPECT_NE(r.err.find("rank 1 of 2 started with a different configuration"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir)) << "a refused start leaves no run directory";
}

TEST_F(DistTrain, BatchThatDoesNotSplitOverTheRanksIsRefused) {
  auto r = run_cli(kModel + " --batch-size 63 --out " + fresh_dir("odd").string(), bounded_mpirun(2));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.code, 124);
  EXPECT_NE(r.err.find("--batch-size 63 does not split evenly over 2 ranks"), std::string::npos) << r.err;
}

// kill -9 of rank 1 after the first epoch: mpirun ends the job within the bound, and the
// checkpoint in the run directory is whole: `mpirun ... --resume` on the same 2 ranks ends
// with the numbers of an uninterrupted 2-rank run.
TEST_F(DistTrain, KilledRankEndsTheJobAndResumingMatchesAnUninterruptedRun) {
  const std::string flags =
      "train --model lenet5 --train-subset 10000 --test-subset 500 --epochs 4 --threads 1 --workers 0 --out ";
  const fs::path dir = fresh_dir("kill"), whole = fresh_dir("whole"), log = fresh_dir("kill_log");
  const pid_t mpirun = nnlab::testing::spawn_mpirun(2, flags + dir.string(), log.string());
  ASSERT_GT(mpirun, 0);
  const pid_t rank1 = rank_one_after_first_epoch(mpirun, dir);
  ASSERT_GT(rank1, 0) << "rank 1 not found among mpirun's children";
  ASSERT_EQ(::kill(rank1, SIGKILL), 0);
  const auto code = nnlab::testing::wait_bounded(mpirun, std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value()) << "the job did not end within 60 s of a rank's death";
  EXPECT_NE(*code, 0);
  const size_t done = metrics(dir).size();
  ASSERT_GE(done, 1u);
  ASSERT_LT(done, 4u) << "the run finished before the kill";

  auto resumed = run_cli("train --resume " + dir.string() + " --json", bounded_mpirun(2));
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(lines_of(resumed.out), 1) << resumed.out;
  // A temporary that rank 0 was writing when mpirun stopped it is never taken for the
  // checkpoint (writes are renamed into place) and is gone after the next write.
  EXPECT_TRUE(temporaries(dir).empty());
  auto uninterrupted = run_cli(flags + whole.string(), bounded_mpirun(2));
  ASSERT_EQ(uninterrupted.code, 0) << uninterrupted.err;
  const auto a = metrics(dir), b = metrics(whole);
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  for (size_t e = 0; e < 4; ++e)
    for (const char* key : {"lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss",
                            "test_accuracy"})
      EXPECT_DOUBLE_EQ(a[e][key].get<double>(), b[e][key].get<double>()) << key << " of epoch " << e + 1;
  fs::remove_all(dir);
  fs::remove_all(whole);
  fs::remove(log);
}

// An error rank 0 meets alone (its checkpoint cannot be written: a directory stands in
// the way) ends the whole job with rank 0's line instead of leaving rank 1 waiting in the
// next all-reduce.
TEST_F(DistTrain, AnErrorOfOneRankEndsTheJobNamingIt) {
  const fs::path dir = fresh_dir("alone"), log = fresh_dir("alone_log");
  const pid_t mpirun = nnlab::testing::spawn_mpirun(
      2, "train --model lenet5 --train-subset 20000 --test-subset 500 --epochs 3 --threads 1 --workers 0 --out " +
             dir.string(),
      log.string());
  ASSERT_GT(mpirun, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (!fs::exists(dir / "config.json") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(metrics(dir).empty()) << "the first epoch ended before the obstacle was placed";
  fs::create_directories(dir / "checkpoint.safetensors");
  const auto code = nnlab::testing::wait_bounded(mpirun, std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value()) << "the job did not end within 60 s of rank 0's error";
  EXPECT_NE(*code, 0);
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("nnlab: rank 0 on "), std::string::npos) << text.str();
  fs::remove_all(dir);
  fs::remove(log);
}

}  // namespace

namespace {

// A rank that stops answering without dying (SIGSTOP here; a hung process or a host cut
// off by its network in practice) is not noticed by mpirun: after --dist-timeout seconds
// the job ends with one line naming the silent rank and its host. Rank 0 hears from every
// rank and names rank 1; rank 1 hears rank 0 and names it when rank 0 is the one stopped.
void stop_rank_and_expect_it_named(int stopped, const std::string& name) {
  const fs::path dir = fresh_dir(name), log = fresh_dir(name + "_log");
  const pid_t mpirun = nnlab::testing::spawn_mpirun(
      2,
      "train --model lenet5 --train-subset 10000 --test-subset 500 --epochs 4 --threads 1 --workers 0 "
      "--dist-timeout 3 --out " +
          dir.string(),
      log.string());
  ASSERT_GT(mpirun, 0);
  rank_one_after_first_epoch(mpirun, dir);
  const pid_t victim = nnlab::testing::find_rank(mpirun, stopped);
  ASSERT_GT(victim, 0) << "rank " << stopped << " not found among mpirun's children";
  ASSERT_EQ(::kill(victim, SIGSTOP), 0);
  const auto stopped_at = std::chrono::steady_clock::now();
  const auto code = nnlab::testing::wait_bounded(mpirun, std::chrono::seconds(60));
  ::kill(victim, SIGKILL);  // in case mpirun left it stopped
  ASSERT_TRUE(code.has_value()) << "the job did not end within 60 s of a rank's stop";
  EXPECT_NE(*code, 0);
  const auto took = std::chrono::steady_clock::now() - stopped_at;
  // Not before the bound: the waiting rank's wait began at most a step before the stop.
  EXPECT_GE(took, std::chrono::milliseconds(2500));
  std::printf("[          ] the job ended %.1f s after the stop (--dist-timeout 3)\n",
              std::chrono::duration<double>(took).count());
  ASSERT_LT(metrics(dir).size(), 4u) << "the run finished before the stop";
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::string named = "nnlab: rank " + std::to_string(stopped) + " on " + host + " has not answered for ";
  EXPECT_NE(text.str().find(named), std::string::npos) << text.str();
  if (stopped != 0) {
    EXPECT_TRUE(temporaries(dir).empty());  // rank 0 was never stopped mid-write
  }
  fs::remove_all(dir);
  fs::remove(log);
}

TEST(DistTrainFaults, StoppedRankEndsTheJobAfterTheTimeout) { stop_rank_and_expect_it_named(1, "stopped"); }

TEST(DistTrainFaults, StoppedRankZeroIsNamedByTheOthers) { stop_rank_and_expect_it_named(0, "stopped0"); }

}  // namespace
