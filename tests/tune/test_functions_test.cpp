// The test functions of any dimension (Levy, Ackley, Rastrigin): their known minima, values
// elsewhere, and the built-in objectives and domains that expose them to `nnlab tune`.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "nnlab/error.h"
#include "nnlab/tune/objective.h"
#include "nnlab/tune/test_functions.h"

using namespace nnlab;
using namespace nnlab::tune;

namespace {

struct NoContext : TrialContext {
  int trial_number() const override { return 0; }
  bool report(int64_t, double) override { return false; }
  void heartbeat() override {}
  bool stop_requested() const override { return false; }
};

// f at x is below f at every point a small step away along each axis and diagonal.
void expect_local_minimum(double (*f)(std::span<const double>), std::vector<double> x, double h) {
  const double at = f(x);
  for (size_t i = 0; i < x.size(); ++i)
    for (double s : {-h, h}) {
      std::vector<double> y = x;
      y[i] += s;
      EXPECT_GT(f(y), at) << "axis " << i << " step " << s;
      if (i + 1 < x.size()) y[i + 1] += s;
      EXPECT_GT(f(y), at) << "diagonal " << i << " step " << s;
    }
}

}  // namespace

TEST(TestFunctions, LevyAckleyRastriginMinimaInEveryDimension) {
  for (size_t d : {1, 2, 6}) {
    std::vector<double> ones(d, 1.0), zeros(d, 0.0);
    EXPECT_NEAR(levy(ones), 0, 1e-12) << d;
    EXPECT_NEAR(ackley(zeros), 0, 1e-12) << d;
    EXPECT_NEAR(rastrigin(zeros), 0, 1e-12) << d;
    expect_local_minimum(levy, ones, 1e-3);
    expect_local_minimum(ackley, zeros, 1e-3);
    expect_local_minimum(rastrigin, zeros, 1e-3);
  }
}

TEST(TestFunctions, LevyAckleyRastriginValuesAwayFromTheMinimum) {
  // Rastrigin at an integer point: every cosine is 1, leaving Σ x_i².
  EXPECT_NEAR(rastrigin(std::vector<double>{1, -2}), 5, 1e-12);
  // Ackley at (1, 0): the cosine term is e exactly, leaving 20 (1 − exp(−0.2 √½)).
  EXPECT_NEAR(ackley(std::vector<double>{1, 0}), 20 * (1 - std::exp(-0.2 * std::sqrt(0.5))), 1e-12);
  // Levy at the origin (w = ¾): sin²(¾π) + (¼)²(1 + 10 sin²(¾π + 1)) + (¼)²(1 + sin²(1.5π)).
  const double pi = std::numbers::pi, s = std::sin(0.75 * pi + 1);
  EXPECT_NEAR(levy(std::vector<double>{0, 0}), 0.5 + (1 + 10 * s * s) / 16 + 2.0 / 16, 1e-12);
  // Rastrigin's local minima sit near the integers, each higher the farther out.
  expect_local_minimum(rastrigin, {0.99496, 0}, 1e-3);
  EXPECT_GT(rastrigin(std::vector<double>{1.98991, 0}), rastrigin(std::vector<double>{0.99496, 0}));
}

TEST(TestFunctions, BuiltinObjectivesTakeAnyDimensionOnTheirDomains) {
  EXPECT_EQ(builtin_objective_names(),
            (std::vector<std::string>{"branin", "hartmann6", "rosenbrock", "levy", "ackley", "rastrigin"}));
  SearchSpace ackley2 = builtin_space("ackley");
  ASSERT_EQ(ackley2.size(), 2u);
  EXPECT_EQ(ackley2.params()[0].low, -32.768);
  EXPECT_EQ(ackley2.params()[1].high, 32.768);
  EXPECT_EQ(builtin_space("levy").params()[0].low, -10);
  EXPECT_EQ(builtin_space("rastrigin").params()[1].high, 5.12);

  std::string six;
  for (int i = 1; i <= 6; ++i) six += fmt::format("{}\"x{}\": {{\"type\": \"float\", \"low\": -5.12, \"high\": 5.12}}", i > 1 ? ", " : "", i);
  SearchSpace space = SearchSpace::parse("{" + six + "}");
  NoContext ctx;
  Params at{{"x1", 1.0}, {"x2", -2.0}, {"x3", 0.0}, {"x4", 0.0}, {"x5", 0.0}, {"x6", 3.0}};
  auto r = make_builtin_objective("rastrigin", space)->evaluate(at, ctx);
  EXPECT_EQ(r.outcome, Outcome::Complete);
  EXPECT_NEAR(r.value, 1 + 4 + 9, 1e-12);
  EXPECT_NEAR(make_builtin_objective("levy", space)->evaluate(at, ctx).value,
              levy(std::vector<double>{1, -2, 0, 0, 0, 3}), 1e-12);
  EXPECT_THROW(make_builtin_objective("hartmann6", builtin_space("ackley")), ConfigError);  // 6 inputs, not 2
  EXPECT_THROW(make_builtin_objective("sphere", space), ConfigError);
}
