// cnn-compare's budgets, launcher words and the separation rule of mlp-cifar10's repeats:
// the parts that decide what each model trains and what a report may claim.
#include "experiments/cnn_budget.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "experiments/model_run.h"
#include "experiments/stats.h"
#include "nnlab/error.h"

using namespace nnlab::experiments;

TEST(CnnBudget, ParsesBothKindsAndRefusesTheRest) {
  const CnnBudget e = parse_cnn_budget("epochs:15");
  EXPECT_EQ(e.kind, CnnBudget::Kind::Epochs);
  EXPECT_EQ(e.epochs, 15);
  EXPECT_EQ(parse_cnn_budget("time:300s").seconds, 300);
  EXPECT_EQ(parse_cnn_budget("time:300").seconds, 300);
  EXPECT_EQ(parse_cnn_budget("time:5m").seconds, 300);
  EXPECT_EQ(parse_cnn_budget("time:1.5h").seconds, 5400);
  EXPECT_EQ(parse_cnn_budget("time:5m").kind, CnnBudget::Kind::Time);
  for (const char* bad : {"epochs", "epochs:", "epochs:0", "epochs:2.5", "time:-1s", "time:5d", "time:abc", "steps:9"})
    EXPECT_THROW(parse_cnn_budget(bad), nnlab::ConfigError) << bad;
}

TEST(CnnBudget, TimePlanFillsTheBudgetAndEndsOnAnEpoch) {
  // Fast model: 80.5 passes fit; 80 whole epochs of the whole set lose under 1 %.
  RunPlan p = plan_time_budget(300, 60000 * 80.5 / 300, 60000, 64);
  EXPECT_EQ(p.epochs, 80);
  EXPECT_TRUE(p.whole_set);
  EXPECT_EQ(p.train_images, 60000);
  // 1.5 passes: one whole epoch would waste a third, so two epochs over 45000 images.
  p = plan_time_budget(100, 900, 60000, 128);
  EXPECT_EQ(p.epochs, 2);
  EXPECT_FALSE(p.whole_set);
  EXPECT_EQ(p.train_images, 45000 / 128 * 128);
  EXPECT_LE(p.planned_seconds, 100);
  EXPECT_GT(p.planned_seconds, 99);
  // A model too slow for one pass: one epoch over what the budget passes over.
  p = plan_time_budget(300, 62, 60000, 128);
  EXPECT_EQ(p.epochs, 1);
  EXPECT_EQ(p.train_images, 18600 / 128 * 128);
  // Never less than a batch.
  p = plan_time_budget(1, 10, 60000, 128);
  EXPECT_EQ(p.epochs, 1);
  EXPECT_EQ(p.train_images, 128);
  EXPECT_THROW(plan_time_budget(300, 0, 60000, 128), nnlab::Error);
}

TEST(Launcher, SplitsLikeAShellWithoutExpanding) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_launcher("mpirun -np 4 -H a:2,b:2"), (V{"mpirun", "-np", "4", "-H", "a:2,b:2"}));
  EXPECT_EQ(split_launcher("  env  "), (V{"env"}));
  EXPECT_EQ(split_launcher("sh -c 'echo $HOME; exit 3' x"), (V{"sh", "-c", "echo $HOME; exit 3", "x"}));
  EXPECT_EQ(split_launcher(R"(a "b \"c\" \d" e\ f)"), (V{"a", R"(b "c" \d)", "e f"}));
  EXPECT_EQ(split_launcher("a ''"), (V{"a", ""}));
  EXPECT_TRUE(split_launcher("").empty());
  EXPECT_THROW(split_launcher("mpirun -x 'A"), nnlab::ConfigError);
  EXPECT_THROW(split_launcher("mpirun \\"), nnlab::ConfigError);
}

TEST(Separation, CallsADifferenceOnlyBeyondTheSpread) {
  const std::vector<double> a{0.90, 0.91, 0.92}, b{0.85, 0.86, 0.87}, c{0.905, 0.915, 0.93};
  Separation s = separate(a, b);
  EXPECT_TRUE(s.separated);
  EXPECT_NEAR(s.difference, 0.05, 1e-12);
  EXPECT_NEAR(s.spread, 0.02, 1e-12);
  s = separate(a, c);
  EXPECT_FALSE(s.separated);
  EXPECT_NEAR(s.spread, 0.025, 1e-12);
  const std::vector<double> one{0.99};
  s = separate(one, b);
  EXPECT_FALSE(s.separated);
  EXPECT_TRUE(std::isnan(s.spread));
}
