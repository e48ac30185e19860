// Issue 15's equivalence on real mpirun processes and a real Fashion-MNIST subset: with the
// same global batch and seed, 2 ranks give one process's per-step losses (steps.jsonl).
//
// Why equality can hold: both runs draw the same random numbers. The initial weights are
// rank 0's (seeded alike in one process); each epoch's permutation is the one-process
// permutation split by stride, and the training counts here (3240 and 360: the subsets less
// the 10 % validation split) divide by 2, so every global batch holds the same images; the
// flips (Fashion-MNIST mirrors by default) are drawn per image from (seed, epoch, index),
// not from a stream a rank advances; neither model has dropout. What remains is float
// rounding: a batch's loss and gradients summed in another order.
//
// How far it holds: BN-free lenet5 keeps one process's losses to 1e-4 for 100 steps and its
// test accuracy to 0.2 points. resnet20 does not, and cannot in float32: one process
// against itself with --threads 2 instead of 1 (other summation orders, nothing else)
// parts beyond 1e-4 by step 3 to 11 (AdamW at 2e-3, SGD at 1e-2 and 1e-3 measured), the
// rounding amplified by the training dynamics. So for resnet20 the test checks what
// rounding cannot blur yet: the first two steps, with SGD (lr 0.01), to 1e-4 (measured
// 2e-5), against more than 1e-3 without --sync-bn (measured 4e-3 at step 2). Not AdamW:
// its first step moves every weight by ±lr whatever the size of its gradient, so a
// gradient element near 0, whose sign rounding decides, moves its weight by 2·lr (4e-4 at
// step 2 measured). That the gradients are the whole batch's is checked directly on
// resnet20 in sync_batchnorm_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "dist/mpirun.h"
#include "support/cli.h"

using nnlab::testing::mpirun_prefix;
using nnlab::testing::run_cli;
namespace fs = std::filesystem;

namespace {

// One epoch at global batch 32, --threads 1 both ways; lenet5 on 3600 images runs 102 steps
// (the last of 8 images).
const std::string kRun = "train --epochs 1 --batch-size 32 --workers 0 --log-steps 1 --json";
const std::string kLenet = "--model lenet5 --train-subset 3600 --test-subset 1000";

struct TrainRun {
  int code = -1;
  std::string err;
  std::vector<nlohmann::json> steps;
  double test_accuracy = -1;
};

TrainRun train(const std::string& name, const std::string& flags, int ranks) {
  const fs::path dir = fs::temp_directory_path() / ("nnlab_syncbn_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string threads = flags.find("--threads") == std::string::npos ? " --threads 1" : "";
  const auto r = run_cli(kRun + threads + " " + flags + " --out " + dir.string(),
                         ranks > 1 ? "timeout 300 " + mpirun_prefix(ranks) : "");
  TrainRun out;
  out.code = r.code;
  out.err = r.err;
  if (r.code != 0) return out;
  std::ifstream in(dir / "steps.jsonl");
  for (std::string line; std::getline(in, line);) out.steps.push_back(nlohmann::json::parse(line));
  out.test_accuracy = nlohmann::json::parse(r.out)["test_accuracy"].get<double>();
  fs::remove_all(dir);
  return out;
}

// One process's run of `flags`, made once for the tests that compare against it.
const TrainRun& one_process(const std::string& flags) {
  static std::map<std::string, TrainRun> runs;
  auto it = runs.find(flags);
  if (it == runs.end()) it = runs.emplace(flags, train("one", flags, 1)).first;
  return it->second;
}

// The largest relative difference of the steps' losses (the first `count`), after checking
// that both logs name the same steps at the same learning rates.
double max_step_difference(const TrainRun& a, const TrainRun& b, size_t count) {
  EXPECT_GE(a.steps.size(), count);
  EXPECT_EQ(a.steps.size(), b.steps.size());
  double worst = 0;
  for (size_t i = 0; i < std::min({count, a.steps.size(), b.steps.size()}); ++i) {
    EXPECT_EQ(a.steps[i]["global_step"], static_cast<int64_t>(i + 1));
    EXPECT_EQ(b.steps[i]["global_step"], static_cast<int64_t>(i + 1));
    EXPECT_DOUBLE_EQ(a.steps[i]["lr"].get<double>(), b.steps[i]["lr"].get<double>()) << "step " << i + 1;
    const double x = a.steps[i]["loss"], y = b.steps[i]["loss"];
    worst = std::max(worst, std::abs(x - y) / std::abs(x));
  }
  return worst;
}

class DistSyncBnTrain : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef NNLAB_WITH_MPI
    GTEST_SKIP() << "built without MPI (libopenmpi-dev)";
#endif
  }

  // 2 ranks against 1 process; returns the largest step difference.
  double compare(const std::string& flags_one, const std::string& flags_two, size_t steps) {
    const TrainRun& one = one_process(flags_one);
    EXPECT_EQ(one.code, 0) << one.err;
    const TrainRun two = train("two", flags_two, 2);
    EXPECT_EQ(two.code, 0) << two.err;
    if (one.code != 0 || two.code != 0) return INFINITY;
    accuracy_gap = std::abs(one.test_accuracy - two.test_accuracy);
    const double worst = max_step_difference(one, two, steps);
    std::cout << "[ measured ] " << ::testing::UnitTest::GetInstance()->current_test_info()->name()
              << ": max relative step-loss difference " << worst << " over the first " << steps << " steps, "
              << max_step_difference(one, two, one.steps.size()) << " over all " << one.steps.size()
              << ", test accuracy " << one.test_accuracy << " vs " << two.test_accuracy << "\n";
    return worst;
  }
  double accuracy_gap = INFINITY;
};

TEST_F(DistSyncBnTrain, LenetOnTwoRanksStepsLikeOneProcess) {
  EXPECT_LE(compare(kLenet, kLenet, 100), 1e-4);
  EXPECT_LE(accuracy_gap, 0.002);  // 0.2 points: 2 of the 1000 test images
}

// 360 training images: 12 steps, of which the first two are compared (see the top).
const std::string kResnet = "--model resnet20 --train-subset 400 --test-subset 200 --optimizer sgd --lr 0.01";

TEST_F(DistSyncBnTrain, ResnetWithSyncBnStartsLikeOneProcess) {
  EXPECT_LE(compare(kResnet, kResnet + " --sync-bn", 2), 1e-4);
}

// The contrast: per-rank statistics over 16 images are not the 32-image batch's.
TEST_F(DistSyncBnTrain, ResnetWithoutSyncBnDiffersFromTheStart) {
  EXPECT_GT(compare(kResnet, kResnet, 2), 1e-3);
}

// Over 100 steps the measure of "like one process" is one process against itself at another
// thread count: at SGD 1e-3, --threads 2 parts from --threads 1 by 2.6e-2 (relative, the
// largest over the first 100 steps; 2.9e-3 at 1e-4), rounding amplified by training. With
// --sync-bn 2 ranks stay as close as that (measured 2.2e-2), without it they part 6x
// further (1.6e-1).
const std::string kResnet100 = "--model resnet20 --train-subset 3600 --test-subset 500 --optimizer sgd --lr 0.001";

TEST_F(DistSyncBnTrain, ResnetWithSyncBnStaysAsCloseAsAnotherThreadCountFor100Steps) {
  const TrainRun& one = one_process(kResnet100);
  ASSERT_EQ(one.code, 0) << one.err;
  const TrainRun other = train("threads2", kResnet100 + " --threads 2", 1);
  ASSERT_EQ(other.code, 0) << other.err;
  const double rounding = max_step_difference(one, other, 100);
  const double synced = compare(kResnet100, kResnet100 + " --sync-bn", 100);
  const double unsynced = compare(kResnet100, kResnet100, 100);
  std::cout << "[ measured ] resnet20, first 100 steps: another thread count " << rounding << ", 2 ranks with "
            << "--sync-bn " << synced << ", without " << unsynced << "\n";
  EXPECT_LE(synced, 2 * rounding);
  EXPECT_GT(unsynced, 2 * rounding);
}

TEST_F(DistSyncBnTrain, SyncBnOnOneRankAloneIsRefused) {
  const std::string flags = "train --model resnet20 --train-subset 200 --test-subset 100 --epochs 1 --threads 1 "
                            "--workers 0 --out " +
                            (fs::temp_directory_path() / ("nnlab_syncbn_mismatch_" + std::to_string(::getpid())))
                                .string();
  auto r = run_cli(flags + " --sync-bn : -np 1 " + NNLAB_CLI_PATH + " " + flags, "timeout 120 " + mpirun_prefix(1));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.code, 124) << "the ranks hung instead of refusing";
  EXPECT_NE(r.err.find("rank 1 of 2 started with a different configuration"), std::string::npos) << r.err;
}

}  // namespace
