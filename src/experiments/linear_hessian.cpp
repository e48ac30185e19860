#include "experiments/linear_hessian.h"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "nnlab/error.h"

namespace nnlab::experiments {

namespace {

// Index of W[k][i] (i < F) or, for i == F, of b[k] in the flat parameter vector.
int64_t index_of(int64_t k, int64_t i, int64_t features, int64_t classes) {
  return i < features ? k * features + i : classes * features + k;
}

Eigen::MatrixXd augmented(const Tensor& x) {  // [X, 1]
  const int64_t n = x.size(0), f = x.size(1);
  Eigen::MatrixXd a(n, f + 1);
  const float* d = x.contiguous().data();
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t c = 0; c < f; ++c) a(r, c) = d[r * f + c];
    a(r, f) = 1;
  }
  return a;
}

std::vector<double> kron_into(const Eigen::MatrixXd& block_kk, const Eigen::MatrixXd& block_ff, int64_t features,
                              int64_t classes) {
  const int64_t n = classes * (features + 1);
  std::vector<double> h(static_cast<size_t>(n * n), 0.0);
  for (int64_t k = 0; k < classes; ++k)
    for (int64_t l = 0; l < classes; ++l)
      for (int64_t i = 0; i <= features; ++i)
        for (int64_t j = 0; j <= features; ++j)
          h[static_cast<size_t>(index_of(k, i, features, classes) * n + index_of(l, j, features, classes))] =
              block_kk(k, l) * block_ff(i, j);
  return h;
}

}  // namespace

std::vector<double> linear_mse_hessian(const Tensor& x, int64_t classes) {
  const Eigen::MatrixXd a = augmented(x);
  const double scale = 2.0 / static_cast<double>(a.rows() * classes);
  return kron_into(Eigen::MatrixXd::Identity(classes, classes), scale * (a.transpose() * a), x.size(1), classes);
}

std::vector<double> linear_ce_hessian(const Tensor& x, std::span<const double> theta, int64_t classes) {
  const int64_t f = x.size(1);
  if (static_cast<int64_t>(theta.size()) != classes * (f + 1))
    throw ShapeError(
        fmt::format("linear_ce_hessian: {} parameters for {} classes and {} features", theta.size(), classes, f));
  const Eigen::MatrixXd a = augmented(x);
  const int64_t n = classes * (f + 1);
  std::vector<double> h(static_cast<size_t>(n * n), 0.0);
  Eigen::VectorXd z(classes), p(classes);
  for (Eigen::Index r = 0; r < a.rows(); ++r) {
    for (int64_t k = 0; k < classes; ++k) {
      double s = 0;
      for (int64_t i = 0; i <= f; ++i) s += theta[static_cast<size_t>(index_of(k, i, f, classes))] * a(r, i);
      z(k) = s;
    }
    p = (z.array() - z.maxCoeff()).exp();
    p /= p.sum();
    const Eigen::MatrixXd s_kk = Eigen::MatrixXd(p.asDiagonal()) - p * p.transpose();
    for (int64_t k = 0; k < classes; ++k)
      for (int64_t l = 0; l < classes; ++l)
        for (int64_t i = 0; i <= f; ++i)
          for (int64_t j = 0; j <= f; ++j)
            h[static_cast<size_t>(index_of(k, i, f, classes) * n + index_of(l, j, f, classes))] +=
                s_kk(k, l) * a(r, i) * a(r, j);
  }
  for (double& v : h) v /= static_cast<double>(a.rows());
  return h;
}

std::vector<double> symmetric_eigenvalues(std::span<const double> matrix, int64_t n) {
  if (static_cast<int64_t>(matrix.size()) != n * n)
    throw ShapeError(fmt::format("symmetric_eigenvalues: {} values for a {}×{} matrix", matrix.size(), n, n));
  Eigen::MatrixXd m =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(matrix.data(), n, n);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(m, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) throw Error("symmetric_eigenvalues: the eigensolver did not converge");
  return {solver.eigenvalues().data(), solver.eigenvalues().data() + n};
}

}  // namespace nnlab::experiments
