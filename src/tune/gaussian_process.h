// Gaussian-process regression with a Matérn-5/2 ARD kernel (Rasmussen & Williams,
// "Gaussian Processes for Machine Learning", 2006: eq. 4.17 for the kernel, alg. 2.1 for the
// posterior, eq. 2.30 and 5.9 for the log marginal likelihood and its gradient).
//
// Hyperparameters θ = [log ℓ_1 .. log ℓ_D, log s², log σ²_n]:
//   k(x, x') = s² (1 + √5 r + 5/3 r²) exp(−√5 r),  r² = Σ_d (x_d − x'_d)² / ℓ_d²,
// plus σ²_n on the diagonal (observation noise).
#pragma once

#include <Eigen/Dense>
#include <optional>
#include <vector>

#include "nnlab/generator.h"

namespace nnlab::tune::gp {

using Eigen::MatrixXd;
using Eigen::VectorXd;

struct Kernel {
  VectorXd lengthscale;  // ℓ_d
  double signal_var = 1;  // s²
  double noise_var = 1e-4;  // σ²_n

  VectorXd theta() const;
  static Kernel from_theta(const VectorXd& theta);
  double operator()(const VectorXd& a, const VectorXd& b) const;
};

// Box bounds of θ for inputs in [0, 1]^D and standardised outputs.
VectorXd theta_lower(int dims);
VectorXd theta_upper(int dims);

class GaussianProcess {
 public:
  // Conditions the prior on (X, y): one row of X per observation. Adds jitter to the
  // diagonal if K is numerically not positive definite; throws std::runtime_error if even
  // that fails.
  GaussianProcess(MatrixXd X, VectorXd y, Kernel kernel);

  // Posterior of the latent f at x: mean and variance, and optionally their gradients in x.
  void predict(const VectorXd& x, double& mean, double& var, VectorXd* dmean = nullptr,
               VectorXd* dvar = nullptr) const;

  const MatrixXd& inputs() const { return X_; }
  const Kernel& kernel() const { return kernel_; }

 private:
  MatrixXd X_;
  Kernel kernel_;
  Eigen::LLT<MatrixXd> llt_;
  VectorXd alpha_;  // K⁻¹ y
};

// log p(y | X, θ) + log p(θ): the marginal likelihood (R&W eq. 2.30) and a weak log-normal
// prior on each hyperparameter, so that a handful of points cannot drive a length scale to
// an extreme; *grad receives the gradient in θ (R&W eq. 5.9). −∞ when K is singular.
double log_marginal_likelihood(const MatrixXd& X, const VectorXd& y, const VectorXd& theta, VectorXd* grad,
                               bool with_prior = true);

// The hyperparameters maximising log_marginal_likelihood: projected L-BFGS from each warm
// start, from the prior's centre and from a few random points, keeping the best.
Kernel fit_kernel(const MatrixXd& X, const VectorXd& y, Generator& rng, const std::vector<VectorXd>& warm_starts = {});

}  // namespace nnlab::tune::gp
