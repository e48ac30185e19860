// ce-vs-mse's logistic regression: the measured dL/dz against its formulas, the saturated
// start, and runs that are equal where the comparison needs them equal.
#include "experiments/logistic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "experiments/binary_problem.h"
#include "experiments/stats.h"
#include "nnlab/error.h"

using namespace nnlab;
using namespace nnlab::experiments;

namespace {

const BinaryProblem& breast_cancer() {
  static const BinaryProblem p = load_breast_cancer("");
  return p;
}

}  // namespace

TEST(Logistic, AutogradGradientAtTheLogitMatchesTheFormulas) {
  const BinaryProblem& p = breast_cancer();
  RunOptions o;
  o.iterations = 50;
  LogisticRun r = train_logistic(p, default_init(p.features(), 1), o);
  std::vector<LogitGradient> g = measure_logit_gradients(p, r.final, 5, 9);
  ASSERT_EQ(g.size(), 45u);
  double lo = 1, hi = 0;
  for (const LogitGradient& x : g) {
    EXPECT_NEAR(x.ce, analytic_ce_gradient(x.p), 1e-5);
    EXPECT_NEAR(x.mse, analytic_mse_gradient(x.p), 1e-5);
    lo = std::min(lo, x.p);
    hi = std::max(hi, x.p);
  }
  EXPECT_LT(lo, 0.05);  // the points cover the range of p
  EXPECT_GT(hi, 0.95);
  // The formulas themselves: dL/dz of −log σ(z) and of (σ(z) − 1)², by a central difference in z.
  for (double z : {-6.0, -1.0, 0.0, 2.0}) {
    auto sig = [](double t) { return 1 / (1 + std::exp(-t)); };
    const double h = 1e-5, p0 = sig(z);
    const double ce = (-std::log(sig(z + h)) + std::log(sig(z - h))) / (2 * h);
    const double mse = (std::pow(sig(z + h) - 1, 2) - std::pow(sig(z - h) - 1, 2)) / (2 * h);
    EXPECT_NEAR(analytic_ce_gradient(p0), ce, 1e-8);
    EXPECT_NEAR(analytic_mse_gradient(p0), mse, 1e-8);
  }
}

TEST(Logistic, SaturatedStartIsConfidentlyWrongAndStarvesTheSquaredError) {
  const BinaryProblem& p = breast_cancer();
  const LogisticParams init = saturated_init(p, 10);
  Fit fit = evaluate(p.x_train, p.y_train, init);
  EXPECT_LT(fit.accuracy, 0.2);
  EXPECT_GT(fit.confidently_wrong, 0.5);
  // The median |z| is the one asked for.
  std::vector<double> z;
  const float* x = p.x_train.data();
  for (int64_t i = 0; i < p.train_size(); ++i) {
    double s = init.b;
    for (int64_t j = 0; j < p.features(); ++j) s += init.w[static_cast<size_t>(j)] * x[i * p.features() + j];
    z.push_back(std::fabs(s));
  }
  std::nth_element(z.begin(), z.begin() + static_cast<long>(z.size() / 2), z.end());
  EXPECT_NEAR(z[z.size() / 2], 10.0, 1e-3);
  EXPECT_GT(gradient_norm(p, init, BinaryLoss::CrossEntropy), 10 * gradient_norm(p, init, BinaryLoss::MseOnSigmoid));
}

TEST(Logistic, SameSeedSameRunAndBothLossesStartTogether) {
  const BinaryProblem& p = breast_cancer();
  RunOptions o;
  o.iterations = 20;
  o.batch_size = 64;
  o.eval_every = 4;
  o.dense_until = 5;
  o.seed = 9;
  const LogisticParams init = default_init(p.features(), 9);
  LogisticRun a = train_logistic(p, init, o), b = train_logistic(p, init, o);
  EXPECT_EQ(a.curve.loss, b.curve.loss);
  EXPECT_EQ(a.final.w, b.final.w);
  EXPECT_EQ(a.curve.iteration, (std::vector<double>{0, 1, 2, 3, 4, 5, 8, 12, 16, 20}));
  o.loss = BinaryLoss::MseOnSigmoid;
  LogisticRun m = train_logistic(p, init, o);
  EXPECT_EQ(m.curve.train_accuracy.front(), a.curve.train_accuracy.front());  // one initialisation
  EXPECT_NE(m.final.w, a.final.w);
  o.optimizer = "lbfgs";
  EXPECT_THROW(train_logistic(p, init, o), Error);
}

TEST(Stats, SummaryAndFirstReaching) {
  std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  Summary s = summarize(v);
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_NEAR(s.std, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_TRUE(std::isnan(summarize(std::vector<double>{1}).std));
  EXPECT_TRUE(std::isnan(summarize(std::vector<double>{}).mean));
  EXPECT_EQ(first_reaching(v, 4.5), 4);
  EXPECT_FALSE(first_reaching(v, 10).has_value());
}
