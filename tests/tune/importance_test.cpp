#include <gtest/gtest.h>

#include "nnlab/generator.h"
#include "nnlab/tune/importance.h"

using namespace nnlab;
using namespace nnlab::tune;

TEST(ParameterImportance, RanksTheParameterThatDrivesTheObjective) {
  SearchSpace s = SearchSpace::parse(R"({"a": {"type": "float", "low": 0, "high": 1},
    "b": {"type": "float", "low": 0, "high": 1}, "c": {"type": "categorical", "choices": ["x", "y"]}})");
  Generator rng(1);
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < 60; ++i) {
    FrozenTrial t;
    t.number = i;
    t.state = TrialState::Complete;
    double a = rng.uniform_double(), b = rng.uniform_double();
    bool y = rng.uniform_double() < 0.5;
    t.params = {{"a", a}, {"b", b}, {"c", y ? "y" : "x"}};
    t.value = 10 * a * a + (y ? 2.0 : 0.0) + 0.01 * b;
    trials.push_back(t);
  }
  FrozenTrial failed;
  failed.state = TrialState::Failed;
  failed.params = {{"a", 0.5}, {"b", 0.5}, {"c", "x"}};
  trials.push_back(failed);  // ignored
  auto imp = parameter_importance(s, trials);
  ASSERT_EQ(imp.size(), 3u);
  EXPECT_EQ(imp[0].name, "a");
  EXPECT_EQ(imp[1].name, "c");
  EXPECT_EQ(imp[0].trials, 60);
  double total = 0;
  for (auto& p : imp) total += p.importance;
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_LT(imp[2].importance, 0.1);  // b barely matters
}

TEST(ParameterImportance, TooFewTrialsGiveZero) {
  SearchSpace s = SearchSpace::parse(R"({"a": {"type": "float", "low": 0, "high": 1}})");
  std::vector<FrozenTrial> trials(3);
  for (int i = 0; i < 3; ++i) {
    trials[i].state = TrialState::Complete;
    trials[i].params = {{"a", 0.1 * i}};
    trials[i].value = i;
  }
  auto imp = parameter_importance(s, trials);
  EXPECT_EQ(imp[0].importance, 0);
}
