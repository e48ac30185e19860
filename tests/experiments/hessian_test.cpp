// Hessian-vector products by central differences and Lanczos, validated against exact
// Hessians: an explicit matrix, and one linear layer's closed-form Hessians under MSE and
// softmax cross-entropy (as the convexity experiment measures them).
#include "nnlab/experiments/hessian.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "experiments/binary_problem.h"
#include "experiments/linear_hessian.h"
#include "experiments/module_loss.h"
#include "nnlab/error.h"
#include "nnlab/zoo/zoo.h"

using namespace nnlab;
using namespace nnlab::experiments;

namespace {

// L(θ) = ½ θᵀAθ in double precision: its Hessian is A exactly.
class Quadratic : public LossFunction {
 public:
  explicit Quadratic(std::vector<double> a, int64_t n) : a_(std::move(a)), n_(n) {}
  int64_t size() const override { return n_; }
  double value(std::span<const double> t, std::span<double> g) override {
    double v = 0;
    for (int64_t i = 0; i < n_; ++i) {
      double row = 0;
      for (int64_t j = 0; j < n_; ++j) row += a_[static_cast<size_t>(i * n_ + j)] * t[static_cast<size_t>(j)];
      if (!g.empty()) g[static_cast<size_t>(i)] = row;
      v += 0.5 * t[static_cast<size_t>(i)] * row;
    }
    return v;
  }

 private:
  std::vector<double> a_;
  int64_t n_;
};

// A symmetric matrix Q diag(d) Qᵀ with a random orthogonal Q, so the eigenvalues are d.
std::vector<double> with_eigenvalues(const std::vector<double>& d, uint64_t seed) {
  const int64_t n = static_cast<int64_t>(d.size());
  Generator rng(seed);
  std::vector<std::vector<double>> q;
  while (static_cast<int64_t>(q.size()) < n) {  // Gram-Schmidt on random vectors
    std::vector<double> v(static_cast<size_t>(n));
    for (double& x : v) x = rng.normal();
    for (const auto& u : q) {
      double c = 0;
      for (int64_t i = 0; i < n; ++i) c += u[static_cast<size_t>(i)] * v[static_cast<size_t>(i)];
      for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] -= c * u[static_cast<size_t>(i)];
    }
    double s = 0;
    for (double x : v) s += x * x;
    for (double& x : v) x /= std::sqrt(s);
    q.push_back(v);
  }
  std::vector<double> a(static_cast<size_t>(n * n), 0.0);
  for (int64_t k = 0; k < n; ++k)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        a[static_cast<size_t>(i * n + j)] += d[static_cast<size_t>(k)] *
                                             q[static_cast<size_t>(k)][static_cast<size_t>(i)] *
                                             q[static_cast<size_t>(k)][static_cast<size_t>(j)];
  return a;
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// A one-linear-layer model on breast-cancer, as the convexity experiment builds it.
struct LinearCase {
  BinaryProblem data = load_breast_cancer("");
  std::vector<int32_t> labels{data.y_train.begin(), data.y_train.end()};
  std::shared_ptr<nn::Module> model(uint64_t seed) const {
    zoo::ModelOptions o;
    o.name = "logreg";
    o.input = {data.features()};
    o.classes = 2;
    o.seed = seed;
    return zoo::build(o);
  }
};

}  // namespace

TEST(Lanczos, FindsTheExtremeEigenvaluesOfAKnownSpectrum) {
  std::vector<double> d{-3.0, -0.5, 0.0, 0.25, 1.0, 2.0, 2.0, 2.0, 7.5, 10.0};
  const std::vector<double> a = with_eigenvalues(d, 3);
  Quadratic q(a, 10);
  std::vector<double> theta(10, 0.3);
  Generator rng(1);
  auto op = [&](std::span<const double> v) { return hessian_vector_product(q, theta, v, 1e-3); };
  LanczosResult full = lanczos(op, 10, 10, rng);
  EXPECT_NEAR(full.min, -3.0, 1e-8);
  EXPECT_NEAR(full.max, 10.0, 1e-8);
  // The repeated eigenvalue 2 leaves an invariant subspace early; the restart still finds the rest.
  ASSERT_EQ(full.ritz.size(), 10u);
  for (size_t i = 0; i < d.size(); ++i) EXPECT_NEAR(full.ritz[i], d[i], 1e-6) << i;
  // Fewer steps: Ritz values stay inside the spectrum (interlacing).
  LanczosResult part = lanczos(op, 10, 4, rng);
  EXPECT_GE(part.min, -3.0 - 1e-9);
  EXPECT_LE(part.max, 10.0 + 1e-9);
  EXPECT_EQ(part.steps, 4);
}

TEST(Lanczos, StepsAreCappedAtTheDimension) {
  Quadratic q(with_eigenvalues({1.0, 2.0, 3.0}, 5), 3);
  std::vector<double> theta(3, 0.0);
  Generator rng(2);
  LanczosResult r =
      lanczos([&](std::span<const double> v) { return hessian_vector_product(q, theta, v, 1e-2); }, 3, 50, rng);
  EXPECT_EQ(r.steps, 3);
  EXPECT_NEAR(r.min, 1.0, 1e-9);
  EXPECT_NEAR(r.max, 3.0, 1e-9);
}

TEST(HessianVectorProduct, OneLinearLayerMseMatchesTheClosedForm) {
  LinearCase c;
  ModuleLoss loss(c.model(1), c.data.x_train, c.labels, 2, LossKind::MeanSquared);
  const std::vector<double> theta = loss.parameters();
  const std::vector<double> exact = linear_mse_hessian(c.data.x_train, 2);
  const std::vector<double> ev = symmetric_eigenvalues(exact, loss.size());
  const double lmax = ev.back();
  // The experiment's step, ε = 1e-2 · max(1, ‖θ‖): the explicit finite-difference Hessian is
  // within 1e-3 of λ_max of the exact one in every entry.
  double norm = 0;
  for (double t : theta) norm += t * t;
  const double eps = 1e-2 * std::max(1.0, std::sqrt(norm));
  EXPECT_LT(max_abs_diff(explicit_hessian(loss, theta, eps), exact), 1e-3 * lmax);
  // Lanczos to the full dimension: the extreme eigenvalues of the exact Hessian.
  Generator rng(4);
  LanczosResult r = lanczos([&](std::span<const double> v) { return hessian_vector_product(loss, theta, v, eps); },
                            loss.size(), static_cast<int>(loss.size()), rng);
  EXPECT_NEAR(r.max, lmax, 1e-3 * lmax);
  EXPECT_NEAR(r.min, ev.front(), 1e-3 * lmax);
  EXPECT_GT(ev.front(), 0);  // standardised, full-rank features: MSE of one layer is strictly convex
}

TEST(HessianVectorProduct, OneLinearLayerCrossEntropyMatchesTheClosedForm) {
  LinearCase c;
  ModuleLoss loss(c.model(2), c.data.x_train, c.labels, 2, LossKind::CrossEntropy);
  std::vector<double> theta = loss.parameters();
  for (double& t : theta) t *= 3;  // away from the origin, where the softmax is not flat
  const std::vector<double> exact = linear_ce_hessian(c.data.x_train, theta, 2);
  const std::vector<double> ev = symmetric_eigenvalues(exact, loss.size());
  const double lmax = ev.back();
  EXPECT_NEAR(ev.front(), 0.0, 1e-9 * lmax);  // singular: softmax is unchanged by adding one vector to every row
  double norm = 0;
  for (double t : theta) norm += t * t;
  const double eps = 1e-2 * std::max(1.0, std::sqrt(norm));
  EXPECT_LT(max_abs_diff(explicit_hessian(loss, theta, eps), exact), 1e-3 * lmax);
  Generator rng(5);
  LanczosResult r = lanczos([&](std::span<const double> v) { return hessian_vector_product(loss, theta, v, eps); },
                            loss.size(), static_cast<int>(loss.size()), rng);
  EXPECT_NEAR(r.max, lmax, 1e-3 * lmax);
  EXPECT_NEAR(r.min, 0.0, 1e-3 * lmax);
}

TEST(HessianVectorProduct, StackedLinearLayersHaveANegativeEigenvalue) {
  // W₂W₁x is linear in x but not convex in (W₁, W₂): at a random point the Hessian is indefinite.
  LinearCase c;
  zoo::ModelOptions o;
  o.name = "mlp";
  o.input = {c.data.features()};
  o.classes = 2;
  o.hidden = {8};
  o.activations = {"identity"};
  o.seed = 3;
  ModuleLoss loss(zoo::build(o), c.data.x_train, c.labels, 2, LossKind::MeanSquared);
  const std::vector<double> theta = loss.parameters();
  Generator rng(6);
  LanczosResult r = lanczos([&](std::span<const double> v) { return hessian_vector_product(loss, theta, v, 1e-2); },
                            loss.size(), 60, rng);
  EXPECT_LT(r.min, -0.05 * r.max);
}

TEST(ModuleLoss, RejectsAVectorOfTheWrongSize) {
  LinearCase c;
  ModuleLoss loss(c.model(1), c.data.x_train, c.labels, 2, LossKind::MeanSquared);
  std::vector<double> wrong(5, 0.0);
  EXPECT_THROW(loss.value(wrong, {}), ShapeError);
}
