#include <gtest/gtest.h>

#include <cmath>

#include "nnlab/error.h"
#include "nnlab/tune/pruner.h"

using namespace nnlab;
using namespace nnlab::tune;

namespace {

// A trial that reported value(step) for steps 1..last.
FrozenTrial curve(int number, TrialState state, int last, const std::function<double(int)>& value) {
  FrozenTrial t;
  t.id = number + 1;
  t.number = number;
  t.state = state;
  for (int s = 1; s <= last; ++s) t.intermediate.push_back({s, value(s)});
  if (state == TrialState::Complete) t.value = value(last);
  return t;
}

}  // namespace

TEST(MedianPruner, PrunesWorseThanTheMedianAtTheSameStep) {
  std::vector<FrozenTrial> done;
  for (int i = 0; i < 5; ++i) done.push_back(curve(i, TrialState::Complete, 5, [&](int s) { return 0.1 * i + 1.0 / s; }));
  // At step 3 the complete trials have 1/3 + {0, .1, .2, .3, .4}: median 1/3 + 0.2.
  MedianPruner pruner;
  EXPECT_TRUE(pruner.should_prune(curve(9, TrialState::Running, 3, [](int s) { return 0.35 + 1.0 / s; }), done,
                                  Direction::Minimize));
  EXPECT_FALSE(pruner.should_prune(curve(9, TrialState::Running, 3, [](int s) { return 0.15 + 1.0 / s; }), done,
                                   Direction::Minimize));
  // Maximising, the same trials are judged the other way round.
  EXPECT_FALSE(pruner.should_prune(curve(9, TrialState::Running, 3, [](int s) { return 0.35 + 1.0 / s; }), done,
                                   Direction::Maximize));
  // A trial's best value counts: one bad step after good ones does not prune it.
  FrozenTrial dip = curve(9, TrialState::Running, 3, [](int s) { return s < 3 ? 0.0 : 9.0; });
  EXPECT_FALSE(pruner.should_prune(dip, done, Direction::Minimize));
  // Only NaN so far: diverged.
  EXPECT_TRUE(pruner.should_prune(curve(9, TrialState::Running, 2, [](int) { return NAN; }), done, Direction::Minimize));
}

TEST(MedianPruner, WaitsForStartupTrialsAndWarmup) {
  std::vector<FrozenTrial> few;
  for (int i = 0; i < 4; ++i) few.push_back(curve(i, TrialState::Complete, 5, [&](int) { return 0.0; }));
  FrozenTrial bad = curve(9, TrialState::Running, 2, [](int) { return 5.0; });
  EXPECT_FALSE(MedianPruner().should_prune(bad, few, Direction::Minimize));  // 4 < 5 startup trials
  few.push_back(curve(4, TrialState::Complete, 5, [&](int) { return 0.0; }));
  EXPECT_TRUE(MedianPruner().should_prune(bad, few, Direction::Minimize));
  EXPECT_FALSE(MedianPruner(MedianPrunerOptions{5, 3, 1}).should_prune(bad, few, Direction::Minimize));
  // No complete trial reported at this step: nothing to compare with.
  FrozenTrial late = curve(9, TrialState::Running, 7, [](int) { return 5.0; });
  EXPECT_FALSE(MedianPruner().should_prune(late, few, Direction::Minimize));
}

TEST(AshaPruner, RungsAndPromotion) {
  AshaPruner asha(AshaOptions{1, 3, 0});
  EXPECT_EQ(asha.rung_step(0), 1);
  EXPECT_EQ(asha.rung_step(2), 9);
  EXPECT_EQ(AshaPruner(AshaOptions{2, 4, 1}).rung_step(1), 32);
  // Nine trials reached rung 1 (step 3) with values 1..9: only the top 9/3 = 3 go on.
  std::vector<FrozenTrial> others;
  for (int i = 1; i <= 8; ++i)
    others.push_back(curve(i, i % 2 ? TrialState::Pruned : TrialState::Complete, 3, [&](int) { return double(i); }));
  auto at = [](double v) { return curve(0, TrialState::Running, 3, [=](int) { return v; }); };
  EXPECT_FALSE(asha.should_prune(at(2.5), others, Direction::Minimize));  // third of nine
  EXPECT_TRUE(asha.should_prune(at(3.5), others, Direction::Minimize));   // fourth
  EXPECT_FALSE(asha.should_prune(at(7.5), others, Direction::Maximize));
  // Between rungs nothing is decided.
  FrozenTrial mid = curve(0, TrialState::Running, 2, [](int s) { return s == 1 ? 0.0 : 100.0; });
  EXPECT_FALSE(asha.should_prune(mid, others, Direction::Minimize));
  // Fewer than η at a rung: only the best so far goes on.
  std::vector<FrozenTrial> one{curve(1, TrialState::Complete, 1, [](int) { return 1.0; })};
  EXPECT_TRUE(asha.should_prune(curve(0, TrialState::Running, 1, [](int) { return 2.0; }), one, Direction::Minimize));
  EXPECT_FALSE(asha.should_prune(curve(0, TrialState::Running, 1, [](int) { return 0.5; }), one, Direction::Minimize));
}

TEST(Pruners, FactoryChecksNamesAndOptions) {
  EXPECT_EQ(make_pruner("none"), nullptr);
  EXPECT_EQ(make_pruner("median")->name(), "median");
  EXPECT_EQ(make_pruner("asha")->name(), "asha");
  EXPECT_THROW(make_pruner("hyperband"), ConfigError);
  PrunerOptions bad;
  bad.asha.reduction_factor = 1;
  EXPECT_THROW(make_pruner("asha", bad), ConfigError);
}
