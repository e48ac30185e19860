// A run resumed on another number of ranks: 2 ranks then 1 process, 1 process then 2
// ranks. The global batch keeps its meaning, so the run goes on where it stopped: epoch 1
// stays as it was written, and epoch 2 lands near (not on: other float rounding) the
// numbers of an uninterrupted run.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dist/mpirun.h"
#include "support/cli.h"
#include "support/run_files.h"

namespace fs = std::filesystem;
using nnlab::testing::run_cli;

using nnlab::testing::metrics;

namespace {

// BN-free lenet5 on 1800 training images: 29 steps of the global batch 64 at any N.
const std::string kFlags =
    "train --model lenet5 --train-subset 2000 --test-subset 1000 --threads 1 --workers 0 --batch-size 64";

fs::path fresh_dir(const std::string& name) { return nnlab::testing::fresh_dir("nnlab_resume_ranks_", name); }

std::string on_ranks(int ranks) {
  return ranks == 1 ? std::string() : "timeout 120 " + nnlab::testing::mpirun_prefix(ranks);
}

// Epoch 1 on `first` ranks, then `--resume --epochs 2` on `then` ranks, beside an
// uninterrupted 2-epoch run on `first` ranks.
void resume_on_other_ranks(int first, int then, const std::string& name) {
  const fs::path dir = fresh_dir(name), whole = fresh_dir(name + "_whole");
  auto r1 = run_cli(kFlags + " --epochs 1 --out " + dir.string(), on_ranks(first));
  ASSERT_EQ(r1.code, 0) << r1.err;
  const auto before = metrics(dir);
  ASSERT_EQ(before.size(), 1u);
  auto r2 = run_cli("train --resume " + dir.string() + " --epochs 2 --json", on_ranks(then));
  ASSERT_EQ(r2.code, 0) << r2.err;
  const auto after = metrics(dir);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0], before[0]) << "epoch 1's line changed";
  EXPECT_EQ(after[1]["epoch"], 2);
  EXPECT_EQ(after[1].contains("ranks"), then > 1) << after[1];
  if (then > 1) {
    EXPECT_EQ(after[1]["ranks"], then);
  }
  EXPECT_EQ(nlohmann::json::parse(r2.out)["test"]["count"], 1000);  // the whole test split

  auto r3 = run_cli(kFlags + " --epochs 2 --out " + whole.string(), on_ranks(first));
  ASSERT_EQ(r3.code, 0) << r3.err;
  const auto ref = metrics(whole);
  ASSERT_EQ(ref.size(), 2u);
  EXPECT_EQ(after[1]["lr"].get<double>(), ref[1]["lr"].get<double>());
  for (const char* key : {"train_loss", "val_loss", "test_loss"}) {
    const double a = after[1][key], b = ref[1][key];
    EXPECT_LE(std::abs(a - b), 1e-4 * std::abs(b)) << key << ": " << a << " vs " << b;
  }
  for (const char* key : {"train_accuracy", "val_accuracy", "test_accuracy"})
    EXPECT_NEAR(after[1][key].get<double>(), ref[1][key].get<double>(), key[0] == 'v' ? 0.0051 : 0.002) << key;
  fs::remove_all(dir);
  fs::remove_all(whole);
}

class DistResume : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef NNLAB_WITH_MPI
    GTEST_SKIP() << "built without MPI (libopenmpi-dev)";
#endif
  }
};

TEST_F(DistResume, TwoRanksThenOneProcess) { resume_on_other_ranks(2, 1, "2to1"); }

TEST_F(DistResume, OneProcessThenTwoRanks) { resume_on_other_ranks(1, 2, "1to2"); }

}  // namespace
