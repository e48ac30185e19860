#include "tune/gaussian_process.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "tune/lbfgs.h"
#include "tune/random_util.h"

namespace nnlab::tune::gp {

namespace {

const double kSqrt5 = std::sqrt(5.0);

// Log-normal priors on the hyperparameters: {mean, std} of the logarithm. The length-scale
// prior grows with the dimension, log ℓ ~ N(√2 + ½ log D, √3), as Hvarfner, Hellsten and
// Nardi ("Vanilla Bayesian optimization performs great in high dimensions", ICML 2024)
// recommend; s² ~ logN(0, 1.5) for standardised outputs; σ²_n ~ logN(log 1e-4, 3), wide
// enough for noisy training runs yet leaning to deterministic objectives.
struct Prior {
  double mean, std;
  double logp(double v) const { return -0.5 * (v - mean) * (v - mean) / (std * std); }
  double dlogp(double v) const { return -(v - mean) / (std * std); }
};
Prior lengthscale_prior(int dims) { return {std::numbers::sqrt2 + 0.5 * std::log(dims), std::sqrt(3.0)}; }
const Prior kSignalPrior{0.0, 1.5};
const Prior kNoisePrior{std::log(1e-4), 3.0};

// Bounds: inputs live in [0, 1], so ℓ beyond 20 is flat and below 5e-3 is noise; outputs
// are standardised; σ²_n ≥ 1e-6 keeps K well conditioned.
constexpr double kMinLengthscale = 5e-3, kMaxLengthscale = 20;
constexpr double kMinSignal = 1e-2, kMaxSignal = 1e2;
constexpr double kMinNoise = 1e-6, kMaxNoise = 2;

// Matérn-5/2 correlation at scaled distance r (R&W eq. 4.17 with ν = 5/2).
double matern52(double r) { return (1 + kSqrt5 * r + 5.0 / 3.0 * r * r) * std::exp(-kSqrt5 * r); }

MatrixXd kernel_matrix(const MatrixXd& X, const Kernel& k, MatrixXd* r_out = nullptr) {
  const Eigen::Index n = X.rows();
  MatrixXd K(n, n);
  if (r_out) r_out->resize(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j <= i; ++j) {
      double r = ((X.row(i) - X.row(j)).transpose().cwiseQuotient(k.lengthscale)).norm();
      double v = k.signal_var * matern52(r);
      K(i, j) = K(j, i) = v;
      if (r_out) (*r_out)(i, j) = (*r_out)(j, i) = r;
    }
  }
  return K;
}

// Cholesky of K + σ²_n I, adding jitter up to 1e-4·s² when rounding makes K indefinite.
std::optional<Eigen::LLT<MatrixXd>> factor(MatrixXd K, double noise, double signal) {
  K.diagonal().array() += noise;
  for (double jitter = 0; jitter <= 1e-4 * signal; jitter = jitter == 0 ? 1e-10 * signal : jitter * 10) {
    MatrixXd Kj = K;
    Kj.diagonal().array() += jitter;
    Eigen::LLT<MatrixXd> llt(Kj);
    if (llt.info() == Eigen::Success) return llt;
  }
  return std::nullopt;
}

}  // namespace

VectorXd Kernel::theta() const {
  VectorXd t(lengthscale.size() + 2);
  t.head(lengthscale.size()) = lengthscale.array().log();
  t[lengthscale.size()] = std::log(signal_var);
  t[lengthscale.size() + 1] = std::log(noise_var);
  return t;
}

Kernel Kernel::from_theta(const VectorXd& theta) {
  Kernel k;
  Eigen::Index d = theta.size() - 2;
  k.lengthscale = theta.head(d).array().exp();
  k.signal_var = std::exp(theta[d]);
  k.noise_var = std::exp(theta[d + 1]);
  return k;
}

double Kernel::operator()(const VectorXd& a, const VectorXd& b) const {
  return signal_var * matern52((a - b).cwiseQuotient(lengthscale).norm());
}

namespace {

VectorXd theta_of(int dims, double lengthscale, double signal, double noise) {
  VectorXd t(dims + 2);
  t.head(dims).setConstant(std::log(lengthscale));
  t[dims] = std::log(signal);
  t[dims + 1] = std::log(noise);
  return t;
}

}  // namespace

VectorXd theta_lower(int dims) { return theta_of(dims, kMinLengthscale, kMinSignal, kMinNoise); }
VectorXd theta_upper(int dims) { return theta_of(dims, kMaxLengthscale, kMaxSignal, kMaxNoise); }

GaussianProcess::GaussianProcess(MatrixXd X, VectorXd y, Kernel kernel) : X_(std::move(X)), kernel_(std::move(kernel)) {
  auto llt = factor(kernel_matrix(X_, kernel_), kernel_.noise_var, kernel_.signal_var);
  if (!llt) throw std::runtime_error("the GP kernel matrix is not positive definite");
  llt_ = *llt;
  alpha_ = llt_.solve(y);  // R&W alg. 2.1, line 3
}

void GaussianProcess::predict(const VectorXd& x, double& mean, double& var, VectorXd* dmean, VectorXd* dvar) const {
  const Eigen::Index n = X_.rows(), d = X_.cols();
  VectorXd k(n);
  MatrixXd dk(n, d);  // ∂k(x, X_i)/∂x_d
  const VectorXd inv_l2 = kernel_.lengthscale.array().square().inverse();
  for (Eigen::Index i = 0; i < n; ++i) {
    VectorXd diff = x - X_.row(i).transpose();
    double r = diff.cwiseQuotient(kernel_.lengthscale).norm();
    double e = std::exp(-kSqrt5 * r);
    k[i] = kernel_.signal_var * matern52(r);
    // dk/dx = dk/dr · ∂r/∂x = −s² (5/3)(1 + √5 r) e^{−√5 r} · (x − X_i) / ℓ², smooth at r = 0.
    if (dmean || dvar) dk.row(i) = (-kernel_.signal_var * 5.0 / 3.0 * (1 + kSqrt5 * r) * e) * diff.cwiseProduct(inv_l2);
  }
  mean = k.dot(alpha_);
  VectorXd v = llt_.solve(k);  // K⁻¹ k
  var = std::max(kernel_.signal_var - k.dot(v), 1e-12 * kernel_.signal_var);
  if (dmean) *dmean = dk.transpose() * alpha_;
  if (dvar) *dvar = -2.0 * dk.transpose() * v;
}

double log_marginal_likelihood(const MatrixXd& X, const VectorXd& y, const VectorXd& theta, VectorXd* grad,
                               bool with_prior) {
  const int d = static_cast<int>(X.cols());
  const Eigen::Index n = X.rows();
  Kernel k = Kernel::from_theta(theta);
  MatrixXd R;
  MatrixXd Kf = kernel_matrix(X, k, &R);
  auto llt = factor(Kf, k.noise_var, k.signal_var);
  if (!llt) return -std::numeric_limits<double>::infinity();
  VectorXd alpha = llt->solve(y);
  MatrixXd L = llt->matrixL();
  double logdet = 2 * L.diagonal().array().log().sum();
  // R&W eq. 2.30.
  double lml = -0.5 * y.dot(alpha) - 0.5 * logdet - 0.5 * static_cast<double>(n) * std::log(2 * std::numbers::pi);
  const Prior lp = lengthscale_prior(d);
  if (with_prior) {
    for (int i = 0; i < d; ++i) lml += lp.logp(theta[i]);
    lml += kSignalPrior.logp(theta[d]) + kNoisePrior.logp(theta[d + 1]);
  }
  if (!grad) return lml;
  // R&W eq. 5.9: ∂/∂θ_j = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j).
  MatrixXd W = alpha * alpha.transpose() - llt->solve(MatrixXd::Identity(n, n));
  grad->resize(d + 2);
  for (int j = 0; j < d; ++j) {
    // ∂k/∂log ℓ_j = s² (5/3)(1 + √5 r) e^{−√5 r} (Δ_j / ℓ_j)².
    double g = 0;
    for (Eigen::Index a = 0; a < n; ++a)
      for (Eigen::Index b = 0; b < n; ++b) {
        double r = R(a, b);
        double delta = (X(a, j) - X(b, j)) / k.lengthscale[j];
        g += W(a, b) * k.signal_var * 5.0 / 3.0 * (1 + kSqrt5 * r) * std::exp(-kSqrt5 * r) * delta * delta;
      }
    (*grad)[j] = 0.5 * g;
  }
  (*grad)[d] = 0.5 * (W.cwiseProduct(Kf)).sum();  // ∂K/∂log s² = K_f
  (*grad)[d + 1] = 0.5 * k.noise_var * W.trace();  // ∂K/∂log σ²_n = σ²_n I
  if (with_prior) {
    for (int i = 0; i < d; ++i) (*grad)[i] += lp.dlogp(theta[i]);
    (*grad)[d] += kSignalPrior.dlogp(theta[d]);
    (*grad)[d + 1] += kNoisePrior.dlogp(theta[d + 1]);
  }
  return lml;
}

Kernel fit_kernel(const MatrixXd& X, const VectorXd& y, Generator& rng, const std::vector<VectorXd>& warm_starts) {
  const int d = static_cast<int>(X.cols());
  const VectorXd lo = theta_lower(d), hi = theta_upper(d);
  std::vector<VectorXd> starts;
  for (auto& w : warm_starts)
    if (w.size() == d + 2) starts.push_back(w);
  VectorXd centre(d + 2);
  centre.head(d).setConstant(std::log(0.5));  // a moderate length scale: a quarter of the box
  centre[d] = 0;
  centre[d + 1] = std::log(1e-4);
  starts.push_back(centre);
  for (int s = 0; s < 2; ++s) {
    VectorXd t(d + 2);
    for (int i = 0; i < d + 2; ++i) t[i] = uniform(rng, lo[i], hi[i]);
    t[d + 1] = uniform(rng, lo[d + 1], std::log(1e-2));
    starts.push_back(t);
  }
  auto negative_lml = [&](const VectorXd& theta, VectorXd& g) {
    double v = log_marginal_likelihood(X, y, theta, &g);
    g = -g;
    return std::isfinite(v) ? -v : std::numeric_limits<double>::infinity();
  };
  VectorXd best = centre;
  double best_value = std::numeric_limits<double>::infinity();
  LbfgsOptions opt;
  opt.max_iterations = 200;
  for (auto& start : starts) {
    LbfgsResult r = minimize_in_box(negative_lml, start, lo, hi, opt);
    if (r.value < best_value) {
      best_value = r.value;
      best = r.x;
    }
  }
  return Kernel::from_theta(best);
}

}  // namespace nnlab::tune::gp
