// The GP sampler's parts: the Matérn-5/2 GP, its marginal likelihood and gradient, log
// expected improvement and its gradient, the box-constrained L-BFGS; then the sampler.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <set>

#include "nnlab/tune/sampler.h"
#include "nnlab/tune/test_functions.h"
#include "tune/expected_improvement.h"
#include "tune/gaussian_process.h"
#include "tune/lbfgs.h"

using namespace nnlab;
using namespace nnlab::tune;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

struct Data {
  MatrixXd X;
  VectorXd y;
};

Data toy_data(int n, int d, uint64_t seed) {
  Generator rng(seed);
  Data data{MatrixXd(n, d), VectorXd(n)};
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < d; ++j) data.X(i, j) = rng.uniform_double();
    data.y[i] = std::sin(6 * data.X(i, 0)) + (d > 1 ? data.X(i, 1) * data.X(i, 1) : 0.0);
  }
  data.y = (data.y.array() - data.y.mean()) / std::sqrt((data.y.array() - data.y.mean()).square().mean());
  return data;
}

// Runs n sequential trials of f with a GP sampler; returns the best value.
double run_gp(GpSampler& sampler, const SearchSpace& s, int n, uint64_t seed, const std::function<double(const Params&)>& f) {
  std::vector<FrozenTrial> trials;
  std::set<std::string> claims;
  double best = INFINITY;
  for (int i = 0; i < n; ++i) {
    Generator rng(Generator::mix(seed, static_cast<uint64_t>(i)));
    SamplingContext ctx{s, Direction::Minimize, trials, claims, i, rng};
    Params p = sampler.propose(ctx)->params;
    EXPECT_NO_THROW(s.validate(p));
    FrozenTrial t;
    t.number = i;
    t.state = TrialState::Complete;
    t.params = p;
    t.value = f(p);
    best = std::min(best, *t.value);
    trials.push_back(t);
  }
  return best;
}

}  // namespace

TEST(GaussianProcess, PosteriorInterpolatesTrainingPoints) {
  Data data = toy_data(12, 2, 1);
  gp::Kernel k;
  k.lengthscale = VectorXd::Constant(2, 0.3);
  k.signal_var = 1.0;
  k.noise_var = 1e-6;
  gp::GaussianProcess model(data.X, data.y, k);
  for (int i = 0; i < data.X.rows(); ++i) {
    double mean, var;
    model.predict(data.X.row(i).transpose(), mean, var);
    EXPECT_NEAR(mean, data.y[i], 1e-3);
    EXPECT_LT(var, 1e-4);  // no uncertainty left where it has seen the function
  }
  // Far from the data the posterior returns to the prior: mean 0, variance s².
  double mean, var;
  model.predict(VectorXd::Constant(2, 10.0), mean, var);
  EXPECT_NEAR(mean, 0, 1e-6);
  EXPECT_NEAR(var, 1.0, 1e-6);
}

TEST(GaussianProcess, PredictionGradientMatchesFiniteDifferences) {
  Data data = toy_data(10, 3, 2);
  gp::Kernel k;
  k.lengthscale = (VectorXd(3) << 0.2, 0.5, 1.3).finished();
  k.signal_var = 1.7;
  k.noise_var = 1e-3;
  gp::GaussianProcess model(data.X, data.y, k);
  VectorXd x = (VectorXd(3) << 0.31, 0.62, 0.15).finished();
  double m, v;
  VectorXd dm, dv;
  model.predict(x, m, v, &dm, &dv);
  const double h = 1e-6;
  for (int j = 0; j < 3; ++j) {
    VectorXd xp = x, xm = x;
    xp[j] += h;
    xm[j] -= h;
    double mp, vp, mm, vm;
    model.predict(xp, mp, vp);
    model.predict(xm, mm, vm);
    EXPECT_NEAR(dm[j], (mp - mm) / (2 * h), 1e-5);
    EXPECT_NEAR(dv[j], (vp - vm) / (2 * h), 1e-5);
  }
}

TEST(GaussianProcess, LogMarginalLikelihoodGradientMatchesFiniteDifferences) {
  Data data = toy_data(15, 2, 3);
  VectorXd theta = (VectorXd(4) << std::log(0.3), std::log(0.7), std::log(1.2), std::log(0.05)).finished();
  for (bool prior : {false, true}) {
    VectorXd grad;
    gp::log_marginal_likelihood(data.X, data.y, theta, &grad, prior);
    const double h = 1e-5;
    for (int j = 0; j < theta.size(); ++j) {
      VectorXd tp = theta, tm = theta;
      tp[j] += h;
      tm[j] -= h;
      double fd = (gp::log_marginal_likelihood(data.X, data.y, tp, nullptr, prior) -
                   gp::log_marginal_likelihood(data.X, data.y, tm, nullptr, prior)) /
                  (2 * h);
      EXPECT_NEAR(grad[j], fd, 1e-4 * std::max(1.0, std::fabs(fd))) << "θ_" << j << " prior " << prior;
    }
  }
}

TEST(GaussianProcess, FittingRaisesTheLikelihoodAndFindsTheIrrelevantInput) {
  // y depends on x0 only: the fitted length scale of x1 must be much longer.
  Generator rng(4);
  MatrixXd X(30, 2);
  VectorXd y(30);
  for (int i = 0; i < 30; ++i) {
    X(i, 0) = rng.uniform_double();
    X(i, 1) = rng.uniform_double();
    y[i] = std::sin(8 * X(i, 0));
  }
  y = (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean());
  gp::Kernel fitted = gp::fit_kernel(X, y, rng);
  gp::Kernel start;
  start.lengthscale = VectorXd::Constant(2, 0.5);
  EXPECT_GT(gp::log_marginal_likelihood(X, y, fitted.theta(), nullptr),
            gp::log_marginal_likelihood(X, y, start.theta(), nullptr));
  EXPECT_GT(fitted.lengthscale[1], 4 * fitted.lengthscale[0]);
  EXPECT_LT(fitted.noise_var, 1e-2);  // noise-free data
}

TEST(ExpectedImprovement, LogHIsAccurateAndSmoothFarBelow) {
  // h(z) = φ(z) + zΦ(z) for moderate z; the series takes over below −25 without a jump.
  for (double z : {-3.0, 0.0, 2.0}) {
    double phi = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
    double Phi = 0.5 * std::erfc(-z / std::sqrt(2.0));
    EXPECT_NEAR(log_h(z), std::log(phi + z * Phi), 1e-12);
  }
  EXPECT_NEAR(log_h(-25.0 + 1e-9), log_h(-25.0 - 1e-9), 1e-6);
  EXPECT_NEAR(dlog_h(-25.0 + 1e-9), dlog_h(-25.0 - 1e-9), 1e-4);
  EXPECT_TRUE(std::isfinite(log_h(-200)));
  EXPECT_LT(log_h(-200), log_h(-100));
  // dlog_h is the derivative of log_h.
  for (double z : {-40.0, -10.0, -1.0, 0.5, 3.0}) EXPECT_NEAR(dlog_h(z), (log_h(z + 1e-6) - log_h(z - 1e-6)) / 2e-6, 1e-4 * std::max(1.0, std::fabs(z)));
}

TEST(ExpectedImprovement, GradientMatchesFiniteDifferences) {
  Data data = toy_data(10, 2, 5);
  gp::Kernel k;
  k.lengthscale = VectorXd::Constant(2, 0.25);
  k.noise_var = 1e-6;
  gp::GaussianProcess model(data.X, data.y, k);
  for (VectorXd x : {VectorXd((VectorXd(2) << 0.4, 0.7).finished()), VectorXd((VectorXd(2) << 0.95, 0.05).finished())}) {
    VectorXd grad;
    log_expected_improvement(model, x, data.y.minCoeff(), &grad);
    for (int j = 0; j < 2; ++j) {
      VectorXd xp = x, xm = x;
      xp[j] += 1e-6;
      xm[j] -= 1e-6;
      double fd = (log_expected_improvement(model, xp, data.y.minCoeff()) -
                   log_expected_improvement(model, xm, data.y.minCoeff())) /
                  2e-6;
      EXPECT_NEAR(grad[j], fd, 1e-4 * std::max(1.0, std::fabs(fd)));
    }
  }
}

TEST(Lbfgs, MinimisesInsideTheBox) {
  // Rosenbrock's valley, minimum (1, 1) inside the box.
  auto rosen = [](const VectorXd& x, VectorXd& g) {
    g.resize(2);
    g[0] = -400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0]);
    g[1] = 200 * (x[1] - x[0] * x[0]);
    return 100 * std::pow(x[1] - x[0] * x[0], 2) + std::pow(1 - x[0], 2);
  };
  LbfgsOptions opt;
  opt.max_iterations = 500;
  LbfgsResult r = minimize_in_box(rosen, VectorXd::Constant(2, -1.5), VectorXd::Constant(2, -2),
                                  VectorXd::Constant(2, 2), opt);
  EXPECT_NEAR(r.x[0], 1, 1e-3);
  EXPECT_NEAR(r.x[1], 1, 1e-3);
  // With the box [−2, 0.5]², the minimum sits on the bound x0 = 0.5 at x1 = 0.25.
  r = minimize_in_box(rosen, VectorXd::Constant(2, -1.5), VectorXd::Constant(2, -2), VectorXd::Constant(2, 0.5), opt);
  EXPECT_NEAR(r.x[0], 0.5, 1e-6);
  EXPECT_NEAR(r.x[1], 0.25, 1e-3);
}

TEST(GpSampler, ConvergesOnBraninWithinFortyTrials) {
  SearchSpace s = SearchSpace::parse(R"({"x1": {"type": "float", "low": -5, "high": 10},
                                         "x2": {"type": "float", "low": 0, "high": 15}})");
  GpSampler sampler;
  double best = run_gp(sampler, s, 40, 0, [](const Params& p) { return branin(p.at("x1").get<double>(), p.at("x2").get<double>()); });
  EXPECT_LT(best - kBraninMinimum, 0.01);
}

TEST(GpSampler, HandlesIntegerCategoricalAndConditionalParameters) {
  SearchSpace s = SearchSpace::parse(R"({"depth": {"type": "int", "low": 1, "high": 3},
    "width": {"type": "int", "low": 4, "high": 256, "log": true, "repeat_for": "depth"},
    "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]},
    "lr": {"type": "float", "low": 1e-4, "high": 1, "log": true}})");
  // Best: depth 2, width_1 near 64, tanh, lr near 1e-2.
  auto f = [](const Params& p) {
    int64_t d = p.at("depth").get<int64_t>();
    double v = std::fabs(static_cast<double>(d) - 2) + std::pow(std::log10(p.at("lr").get<double>()) + 2, 2);
    if (d >= 2) v += std::fabs(std::log2(p.at("width_1").get<double>()) - 6) / 4;
    return v + (p.at("act") == "tanh" ? 0.0 : 1.0);
  };
  GpSampler sampler(GpOptions{8, 500, 5});
  double best = run_gp(sampler, s, 30, 3, f);
  EXPECT_LT(best, 0.5);
}
