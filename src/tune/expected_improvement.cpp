#include "tune/expected_improvement.h"

#include <cmath>
#include <numbers>

namespace nnlab::tune {

namespace {

constexpr double kAsymptotic = -25;  // below this z, φ(z) and z Φ(z) cancel in all digits

double phi(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi); }
double Phi(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

// For z → −∞: Φ(z) = φ(z)/|z| (1 − 1/z² + 3/z⁴ − 15/z⁶ + ...) (Mills ratio), so
// h(z) = φ(z)/z² (1 − 3/z² + 15/z⁴ − 105/z⁶ + ...).
double h_series(double z) {
  double u = 1 / (z * z);
  return u * (1 - 3 * u + 15 * u * u - 105 * u * u * u);
}
double Phi_series(double z) {
  double u = 1 / (z * z);
  return (1 - u + 3 * u * u - 15 * u * u * u) / std::fabs(z);
}

}  // namespace

double log_h(double z) {
  if (z > kAsymptotic) return std::log(phi(z) + z * Phi(z));
  return -0.5 * z * z - 0.5 * std::log(2 * std::numbers::pi) + std::log(h_series(z));
}

double dlog_h(double z) {
  if (z > kAsymptotic) return Phi(z) / (phi(z) + z * Phi(z));
  return Phi_series(z) / h_series(z);
}

double log_expected_improvement(const gp::GaussianProcess& gp, const Eigen::VectorXd& x, double best,
                                Eigen::VectorXd* grad) {
  double mean, var;
  Eigen::VectorXd dmean, dvar;
  gp.predict(x, mean, var, grad ? &dmean : nullptr, grad ? &dvar : nullptr);
  double sigma = std::sqrt(var);
  double z = (best - mean) / sigma;
  double value = std::log(sigma) + log_h(z);
  if (grad) {
    // log EI = log σ + log h(z), z = (f* − μ)/σ:
    //   ∂/∂μ = −Φ(z)/(σ h(z)),  ∂/∂σ = φ(z)/(σ h(z)) = (1 − z Φ(z)/h(z))/σ,  ∂σ = ∂σ²/(2σ).
    double r = dlog_h(z);
    double d_mean = -r / sigma;
    double d_sigma = (1 - z * r) / sigma;
    *grad = d_mean * dmean + d_sigma * dvar / (2 * sigma);
  }
  return value;
}

}  // namespace nnlab::tune
