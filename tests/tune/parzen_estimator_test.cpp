// The pieces of TPE's model: the multivariate Parzen estimator's density, sampling and
// bandwidths, the size of the good group and the weights of its trials.
#include <gtest/gtest.h>

#include <cmath>

#include "tune/parzen_estimator.h"

using namespace nnlab;
using namespace nnlab::tune;

TEST(MultivariateParzen, DensityIntegratesToOneOverMixedAxes) {
  // A continuous axis, a discrete one (values 0, 2, 4: cells 2 wide on [−1, 5]) and a
  // categorical one with 3 choices.
  std::vector<ParzenAxis> axes{{0, 1, 0, 0}, {-1, 5, 2, 0}, {0, 1, 0, 3}};
  MultivariateParzen p({{0.2, 0, 1}, {0.7, 4, 2}, {0.75, 4, 2}}, {1, 2, 1}, axes, 1.0);
  double total = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i)
    for (double v : {0.0, 2.0, 4.0})
      for (double c : {0.0, 1.0, 2.0}) total += std::exp(p.log_pdf({(i + 0.5) / n, v, c})) / n;
  EXPECT_NEAR(total, 1.0, 1e-3);
  // The prior is one component of weight 1 among observation weights summing to 4.
  ASSERT_EQ(p.components(), 4u);
  EXPECT_NEAR(p.weight(1), 2.0 / 5, 1e-12);
  EXPECT_NEAR(p.weight(3), 1.0 / 5, 1e-12);

  Generator rng(3);
  for (int i = 0; i < 500; ++i) {
    auto x = p.sample(rng);
    EXPECT_GE(x[0], 0);
    EXPECT_LE(x[0], 1);
    EXPECT_TRUE(x[1] == 0 || x[1] == 2 || x[1] == 4) << x[1];  // cell centres only
    EXPECT_TRUE(x[2] == 0 || x[2] == 1 || x[2] == 2) << x[2];
  }
}

TEST(MultivariateParzen, KeepsWhichValuesGoTogether) {
  // Good points at two opposite corners: each marginal is the same as for the other two
  // corners, the joint density is not.
  std::vector<ParzenAxis> axes{{0, 1, 0, 0}, {0, 1, 0, 0}};
  MultivariateParzen p({{0.1, 0.1}, {0.12, 0.1}, {0.9, 0.9}, {0.88, 0.9}}, std::vector<double>(4, 1.0), axes, 1.0);
  EXPECT_GT(p.log_pdf({0.1, 0.1}), p.log_pdf({0.1, 0.9}) + 1);
  EXPECT_GT(p.log_pdf({0.9, 0.9}), p.log_pdf({0.9, 0.1}) + 1);
  Generator rng(5);
  int together = 0;
  for (int i = 0; i < 1000; ++i) {
    auto x = p.sample(rng);
    together += (x[0] < 0.5) == (x[1] < 0.5);
  }
  // Independent marginals would give about 500; the prior (a fifth of the draws) and the
  // wide kernels of four points cost some.
  EXPECT_GT(together, 650);
}

TEST(MultivariateParzen, BandwidthsFollowTheNeighboursOnEachAxisWithinTheMagicClip) {
  std::vector<ParzenAxis> axes{{0, 1, 0, 0}, {0, 10, 0, 0}};
  // Axis 0: 0.1, 0.3 and the prior's 0.5; axis 1: 9.9, 9.95 and the prior's 5.
  MultivariateParzen p({{0.1, 9.9}, {0.3, 9.95}}, {1, 1}, axes, 1.0);
  // Axis 0: gaps 0.1 (to 0) and 0.2 for the first, 0.2 each side for the second; the
  // clip's floor is range / min(100, 1 + 3 kernels) = 0.25.
  EXPECT_NEAR(p.sigma(0, 0), 0.25, 1e-12);
  EXPECT_NEAR(p.sigma(0, 1), 0.25, 1e-12);
  EXPECT_NEAR(p.sigma(0, 2), 1.0, 1e-12);  // the prior spans the range
  // Axis 1: 9.9 is 4.9 from the prior's 5, 9.95 is 0.05 from 9.9 and from 10 → clipped to 2.5.
  EXPECT_NEAR(p.sigma(1, 0), 4.9, 1e-12);
  EXPECT_NEAR(p.sigma(1, 1), 2.5, 1e-12);
  EXPECT_NEAR(p.sigma(1, 2), 10.0, 1e-12);

  // With many observations the floor falls to range / 100 and crowded kernels narrow to it.
  std::vector<std::vector<double>> many;
  for (int i = 0; i < 200; ++i) many.push_back({0.4 + 0.0001 * i, 5.0});
  MultivariateParzen q(many, std::vector<double>(200, 1.0), axes, 1.0);
  EXPECT_NEAR(q.sigma(0, 100), 0.01, 1e-12);
  EXPECT_NEAR(q.sigma(1, 100), 0.1, 1e-12);
}

TEST(TpeModel, GoodGroupIsGammaOfTheTrialsWithinOneAndTwentyFive) {
  EXPECT_EQ(tpe_below_count(1, 0.1), 1u);
  EXPECT_EQ(tpe_below_count(10, 0.1), 1u);
  EXPECT_EQ(tpe_below_count(11, 0.1), 2u);  // ⌈1.1⌉
  EXPECT_EQ(tpe_below_count(40, 0.2), 8u);
  EXPECT_EQ(tpe_below_count(59, 0.2), 12u);
  EXPECT_EQ(tpe_below_count(1000, 0.2), 25u);
}

TEST(TpeModel, GoodTrialsWeighTheirImprovement) {
  auto w = tpe_improvement_weights({-3.0, -2.5, -2.0}, -2.0);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NEAR(w[0], 1.0, 1e-12);
  EXPECT_NEAR(w[1], 0.5, 1e-12);
  EXPECT_GT(w[2], 0);  // a tie with the threshold still counts, barely
  EXPECT_LT(w[2], 1e-9);
}
