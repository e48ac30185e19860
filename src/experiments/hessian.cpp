#include "nnlab/experiments/hessian.h"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

#include "nnlab/error.h"

namespace nnlab::experiments {

namespace {

double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double norm(std::span<const double> a) { return std::sqrt(dot(a, a)); }

// w ← w − Σ (q·w) q over the basis, twice ("twice is enough": Parlett, The Symmetric
// Eigenvalue Problem, §6.9), so the basis stays orthogonal to working precision.
void orthogonalise(std::vector<double>& w, const std::vector<std::vector<double>>& basis) {
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& q : basis) {
      const double c = dot(q, w);
      for (size_t i = 0; i < w.size(); ++i) w[i] -= c * q[i];
    }
}

std::vector<double> random_unit(int64_t n, Generator& rng) {
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) x = rng.normal();
  const double s = norm(v);
  for (double& x : v) x /= s;
  return v;
}

}  // namespace

std::vector<double> hessian_vector_product(LossFunction& f, std::span<const double> theta, std::span<const double> v,
                                           double eps) {
  const size_t n = theta.size();
  if (v.size() != n || static_cast<int64_t>(n) != f.size())
    throw ShapeError(
        fmt::format("Hessian-vector product: θ has {} values, v {}, the loss takes {}", n, v.size(), f.size()));
  std::vector<double> plus(n), minus(n), g_plus(n), g_minus(n);
  for (size_t i = 0; i < n; ++i) {
    plus[i] = theta[i] + eps * v[i];
    minus[i] = theta[i] - eps * v[i];
  }
  f.value(plus, g_plus);
  f.value(minus, g_minus);
  std::vector<double> hv(n);
  for (size_t i = 0; i < n; ++i) hv[i] = (g_plus[i] - g_minus[i]) / (2 * eps);
  return hv;
}

std::vector<double> explicit_hessian(LossFunction& f, std::span<const double> theta, double eps) {
  const size_t n = theta.size();
  std::vector<double> h(n * n), e(n, 0.0);
  for (size_t j = 0; j < n; ++j) {
    e[j] = 1;
    std::vector<double> col = hessian_vector_product(f, theta, e, eps);
    e[j] = 0;
    for (size_t i = 0; i < n; ++i) h[i * n + j] = col[i];
  }
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) h[i * n + j] = h[j * n + i] = 0.5 * (h[i * n + j] + h[j * n + i]);
  return h;
}

LanczosResult lanczos(const LinearOperator& op, int64_t n, int steps, Generator& rng) {
  if (n < 1) throw ConfigError("Lanczos needs an operator of dimension at least 1");
  steps = static_cast<int>(std::min<int64_t>(std::max(steps, 1), n));
  std::vector<std::vector<double>> basis;
  std::vector<double> alpha, beta;  // T's diagonal and off-diagonal
  std::vector<double> q = random_unit(n, rng);
  LanczosResult result;
  double scale = 0;  // the largest |α| or β so far: what "small" is measured against
  for (int j = 0; j < steps; ++j) {
    basis.push_back(q);
    std::vector<double> w = op(q);
    if (static_cast<int64_t>(w.size()) != n)
      throw ShapeError(fmt::format("Lanczos: the operator returned {} values for dimension {}", w.size(), n));
    const double a = dot(q, w);
    alpha.push_back(a);
    orthogonalise(w, basis);  // also removes the α q_j and β q_{j−1} terms of the three-term recurrence
    double b = norm(w);
    scale = std::max({scale, std::fabs(a), b});
    if (j + 1 == steps) break;
    if (b <= 1e-10 * std::max(scale, 1e-300)) {
      // An invariant subspace: its Ritz values are exact. Continue in its complement with
      // a fresh vector, uncoupled (β = 0), so the rest of the spectrum is still found.
      w = random_unit(n, rng);
      orthogonalise(w, basis);
      b = norm(w);
      if (b == 0) break;
      for (double& x : w) x /= b;
      beta.push_back(0);
      ++result.restarts;
      q = std::move(w);
      continue;
    }
    for (double& x : w) x /= b;
    beta.push_back(b);
    q = std::move(w);
  }
  const Eigen::Index m = static_cast<Eigen::Index>(alpha.size());
  Eigen::VectorXd diag = Eigen::Map<const Eigen::VectorXd>(alpha.data(), m);
  Eigen::VectorXd sub =
      m > 1 ? Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(beta.data(), m - 1)) : Eigen::VectorXd(0);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver;
  solver.computeFromTridiagonal(diag, sub, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) throw Error("Lanczos: the tridiagonal eigenvalue problem did not converge");
  result.ritz.assign(solver.eigenvalues().data(), solver.eigenvalues().data() + m);
  std::sort(result.ritz.begin(), result.ritz.end());
  result.min = result.ritz.front();
  result.max = result.ritz.back();
  result.steps = static_cast<int>(m);
  return result;
}

}  // namespace nnlab::experiments
