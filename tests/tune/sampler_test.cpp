// Grid, random and TPE samplers, driven directly (no storage): the history is a vector of
// trials the test builds as a study would.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/tune/sampler.h"
#include "nnlab/tune/test_functions.h"
#include "tune/parzen_estimator.h"

using namespace nnlab;
using namespace nnlab::tune;

namespace {

// Runs `n` sequential trials of f with the sampler, as one worker would.
std::vector<FrozenTrial> run(Sampler& sampler, const SearchSpace& space, int n, uint64_t seed,
                             const std::function<double(const Params&)>& f) {
  std::vector<FrozenTrial> trials;
  std::set<std::string> claims;
  for (int i = 0; i < n; ++i) {
    Generator rng(Generator::mix(seed, static_cast<uint64_t>(i)));
    SamplingContext ctx{space, Direction::Minimize, trials, claims, i, rng};
    auto proposal = sampler.propose(ctx);
    if (!proposal) break;
    space.validate(proposal->params);
    if (!proposal->claim.empty()) claims.insert(proposal->claim);
    FrozenTrial t;
    t.id = i + 1;
    t.number = i;
    t.state = TrialState::Complete;
    t.params = proposal->params;
    t.value = f(t.params);
    trials.push_back(t);
  }
  return trials;
}

double best_of(const std::vector<FrozenTrial>& trials) {
  double best = INFINITY;
  for (auto& t : trials) best = std::min(best, *t.value);
  return best;
}

SearchSpace branin_space() {
  return SearchSpace::parse(R"({"x1": {"type": "float", "low": -5, "high": 10},
                                "x2": {"type": "float", "low": 0, "high": 15}})");
}

double branin_of(const Params& p) { return branin(p.at("x1").get<double>(), p.at("x2").get<double>()); }

}  // namespace

TEST(GridSampler, EnumeratesTheConditionalFactorialOnce) {
  SearchSpace s = SearchSpace::parse(R"({
    "opt": {"type": "categorical", "choices": ["sgd", "adam"]},
    "momentum": {"type": "float", "low": 0.8, "high": 0.99, "grid": [0.8, 0.9, 0.99],
                 "condition": {"param": "opt", "equals": "sgd"}},
    "depth": {"type": "int", "low": 1, "high": 2},
    "width": {"type": "categorical", "choices": [8, 16], "repeat_for": "depth"}})");
  // opt: sgd (3 momenta) or adam (1) = 4; depth 1 (2 widths) or 2 (4) = 6; 4 × 6 = 24.
  auto points = GridSampler::enumerate(s);
  EXPECT_EQ(points.size(), 24u);
  std::set<std::string> keys;
  for (auto& p : points) {
    EXPECT_NO_THROW(s.validate(p));
    keys.insert(GridSampler::claim_key(p));
  }
  EXPECT_EQ(keys.size(), 24u);

  GridSampler sampler;
  auto trials = run(sampler, s, 100, 7, [](const Params&) { return 0.0; });
  EXPECT_EQ(trials.size(), 24u);  // then nothing is left
  std::set<std::string> seen;
  for (auto& t : trials) seen.insert(GridSampler::claim_key(t.params));
  EXPECT_EQ(seen, keys);
}

TEST(GridSampler, ContinuousParameterNeedsGridValues) {
  SearchSpace s = SearchSpace::parse(R"({"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": true}})");
  try {
    GridSampler::enumerate(s);
    FAIL() << "a continuous parameter has no grid";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("grid_points"), std::string::npos);
  }
  SearchSpace g = SearchSpace::parse(
      R"({"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": true, "grid_points": 3}})");
  auto points = GridSampler::enumerate(g);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_NEAR(points[1].at("lr").get<double>(), 0.01, 1e-12);  // log-spaced
}

TEST(RandomSampler, SeededInRangeAndLogUniform) {
  SearchSpace s = SearchSpace::parse(R"({"lr": {"type": "float", "low": 1e-4, "high": 1, "log": true},
    "n": {"type": "int", "low": 0, "high": 10, "step": 2}, "c": {"type": "categorical", "choices": ["a", "b", "c"]}})");
  RandomSampler sampler;
  auto f = [](const Params&) { return 0.0; };
  auto a = run(sampler, s, 2000, 3, f), b = run(sampler, s, 2000, 3, f), c = run(sampler, s, 50, 4, f);
  for (size_t i = 0; i < 50; ++i) EXPECT_EQ(a[i].params, b[i].params);
  EXPECT_NE(a[0].params, c[0].params);
  int below_1e2 = 0;
  std::set<int64_t> ns;
  std::map<std::string, int> cs;
  for (auto& t : a) {
    if (t.params.at("lr").get<double>() < 1e-2) ++below_1e2;
    ns.insert(t.params.at("n").get<int64_t>());
    ++cs[t.params.at("c").get<std::string>()];
  }
  // Log-uniform over 4 decades: half the draws below 1e-2 (a linear draw would give 1%).
  EXPECT_NEAR(below_1e2 / 2000.0, 0.5, 0.05);
  EXPECT_EQ(ns, (std::set<int64_t>{0, 2, 4, 6, 8, 10}));
  for (auto& [k, n] : cs) EXPECT_NEAR(n / 2000.0, 1.0 / 3, 0.05);
}

TEST(ParzenEstimator, DensityIsNormalisedAndMassMatches) {
  NumericParzen p({0.2, 0.25, 0.9}, tpe_observation_weights(3), 0, 1, 1.0);
  double integral = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) integral += std::exp(p.log_pdf((i + 0.5) / n)) / n;
  EXPECT_NEAR(integral, 1.0, 1e-3);
  EXPECT_NEAR(std::exp(p.log_mass(0, 1)), 1.0, 1e-9);
  // The densest region is where two observations sit.
  EXPECT_GT(p.log_pdf(0.22), p.log_pdf(0.6));
  // Bandwidths: the larger gap to a neighbour (the range ends and the prior at 0.5 count),
  // clipped below at range / min(100, 1 + 4 kernels) = 0.2.
  EXPECT_NEAR(p.sigmas()[0], 0.2, 1e-12);   // gaps 0.2 (to 0) and 0.05 (to 0.25)
  EXPECT_NEAR(p.sigmas()[1], 0.25, 1e-12);  // gaps 0.05 and 0.25 (to the prior)
  EXPECT_NEAR(p.sigmas()[2], 0.4, 1e-12);   // gaps 0.4 (to the prior) and 0.1 (to 1)
  EXPECT_NEAR(p.sigmas()[3], 1.0, 1e-12);   // the prior spans the range
  Generator rng(1);
  for (int i = 0; i < 1000; ++i) {
    double x = p.sample(rng);
    EXPECT_GE(x, 0);
    EXPECT_LE(x, 1);
  }
  // Older observations weigh less once there are more than 25.
  auto w = tpe_observation_weights(30);
  EXPECT_LT(w[0], w[4]);
  EXPECT_EQ(w[29], 1.0);
}

TEST(TpeSampler, FindsTheGoodCategoryAndRegion) {
  SearchSpace s = SearchSpace::parse(R"({"x": {"type": "float", "low": -10, "high": 10},
    "c": {"type": "categorical", "choices": ["bad", "good", "worse"]}})");
  auto f = [](const Params& p) {
    double x = p.at("x").get<double>();
    std::string c = p.at("c").get<std::string>();
    return (x - 3) * (x - 3) + (c == "good" ? 0 : c == "bad" ? 20 : 40);
  };
  TpeSampler tpe;
  auto trials = run(tpe, s, 60, 5, f);
  int good_late = 0;
  for (size_t i = 30; i < trials.size(); ++i) good_late += trials[i].params.at("c") == "good";
  EXPECT_GE(good_late, 20);  // random would give about 10 of 30
  EXPECT_LT(best_of(trials), 0.5);
}

TEST(TpeSampler, BeatsRandomOnBraninOverSeeds) {
  SearchSpace s = branin_space();
  std::vector<double> tpe_best, random_best;
  for (uint64_t seed = 0; seed < 5; ++seed) {
    TpeSampler tpe;
    RandomSampler random;
    tpe_best.push_back(best_of(run(tpe, s, 40, seed, branin_of)));
    random_best.push_back(best_of(run(random, s, 40, seed, branin_of)));
  }
  std::sort(tpe_best.begin(), tpe_best.end());
  std::sort(random_best.begin(), random_best.end());
  EXPECT_LT(tpe_best[2], random_best[2]);
}

TEST(TpeSampler, ModelsConditionalParametersFromTrialsWhereTheyExist) {
  SearchSpace s = SearchSpace::parse(R"({"depth": {"type": "int", "low": 1, "high": 3},
    "width": {"type": "int", "low": 1, "high": 100, "repeat_for": "depth"}})");
  // Deeper is better, and the last layer should be about 80 wide.
  auto f = [](const Params& p) {
    int64_t d = p.at("depth").get<int64_t>();
    double w = p.at(fmt::format("width_{}", d - 1)).get<double>();
    return -10.0 * static_cast<double>(d) + std::fabs(w - 80) / 10;
  };
  TpeSampler tpe;
  auto trials = run(tpe, s, 60, 11, f);
  int deep_late = 0;
  for (size_t i = 40; i < trials.size(); ++i) deep_late += trials[i].params.at("depth") == 3;
  EXPECT_GE(deep_late, 12);
  EXPECT_LT(best_of(trials), -29);
}

TEST(TpeSampler, MultivariateModelProposesTheCombinationsThatWereGood) {
  // The good trials sit at two opposite corners and the bad ones at the other two, so that
  // every parameter's marginal is the same in both groups: only a joint model can tell.
  // Each of 60 histories (different jitter) gets one proposal.
  SearchSpace s = SearchSpace::parse(R"({"x": {"type": "float", "low": 0, "high": 1},
                                        "y": {"type": "float", "low": 0, "high": 1}})");
  auto history = [](uint64_t seed) {
    std::vector<FrozenTrial> trials;
    Generator jitter(seed);
    for (int i = 0; i < 40; ++i) {
      bool good = i % 2 == 0;
      double a = (i / 2) % 2 == 0 ? 0.15 : 0.85, b = good ? a : 1 - a;
      FrozenTrial t;
      t.number = i;
      t.state = TrialState::Complete;
      t.params = {{"x", a + 0.1 * (jitter.uniform_double() - 0.5)}, {"y", b + 0.1 * (jitter.uniform_double() - 0.5)}};
      t.value = (good ? 0.0 : 1.0) + 0.1 * jitter.uniform_double();
      trials.push_back(t);
    }
    return trials;
  };
  auto together = [&](bool multivariate) {
    TpeOptions o;
    o.multivariate = multivariate;
    o.gamma = 0.5;  // all the good trials in l(x)
    std::set<std::string> claims;
    int n = 0;
    for (uint64_t rep = 0; rep < 60; ++rep) {
      TpeSampler tpe(o);
      auto trials = history(rep);
      Generator rng(Generator::mix(17, rep));
      SamplingContext ctx{s, Direction::Minimize, trials, claims, 40, rng};
      Params p = tpe.propose(ctx)->params;
      n += (p.at("x").get<double>() < 0.5) == (p.at("y").get<double>() < 0.5);
    }
    return n;
  };
  EXPECT_GE(together(true), 54);   // 90 %
  EXPECT_LE(together(false), 42);  // 70 %: about half, as the marginals cannot tell
}
