#include "tune/parzen_estimator.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tune/random_util.h"

namespace nnlab::tune {

namespace {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

constexpr double kLogFloor = -1e300;  // log of an impossible value: finite, so differences stay defined

// log Σ exp(terms), without overflow.
double log_sum_exp(const std::vector<double>& terms) {
  double peak = *std::max_element(terms.begin(), terms.end());
  if (!std::isfinite(peak)) return peak;
  double sum = 0;
  for (double t : terms) sum += std::exp(t - peak);
  return peak + std::log(sum);
}

}  // namespace

std::vector<double> neighbour_bandwidths(const std::vector<double>& mus, double low, double high) {
  const double range = high - low;
  std::vector<size_t> order(mus.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return mus[a] < mus[b]; });
  std::vector<double> sigma(mus.size(), range);
  for (size_t k = 0; k < order.size(); ++k) {
    double left = k == 0 ? low : mus[order[k - 1]];
    double right = k + 1 == order.size() ? high : mus[order[k + 1]];
    double here = mus[order[k]];
    sigma[order[k]] = std::max(here - left, right - here);
  }
  // "Magic clip" (Bergstra et al. 2011, hyperopt): no kernel narrower than range/min(100, n+1)
  // nor wider than the range; the prior keeps the whole range.
  double min_sigma = range / std::min(100.0, 1.0 + static_cast<double>(mus.size()));
  for (double& s : sigma) s = std::clamp(s, min_sigma, range);
  if (!sigma.empty()) sigma.back() = range;
  return sigma;
}

size_t tpe_below_count(size_t n, double gamma) {
  return std::clamp<size_t>(static_cast<size_t>(std::ceil(gamma * static_cast<double>(n))), 1, 25);
}

std::vector<double> tpe_improvement_weights(const std::vector<double>& good_losses, double threshold) {
  std::vector<double> w;
  for (double loss : good_losses) w.push_back(std::max(1e-12, threshold - loss));
  return w;
}

std::vector<double> tpe_observation_weights(size_t n) {
  constexpr size_t kFlat = 25;
  std::vector<double> w(n, 1.0);
  if (n <= kFlat) return w;
  size_t ramp = n - kFlat;
  for (size_t i = 0; i < ramp; ++i)
    w[i] = ramp == 1 ? 1.0 / static_cast<double>(n)
                     : 1.0 / static_cast<double>(n) + (1.0 - 1.0 / static_cast<double>(n)) * static_cast<double>(i) /
                                                          static_cast<double>(ramp - 1);
  return w;
}

NumericParzen::NumericParzen(const std::vector<double>& observations, const std::vector<double>& weights, double low,
                             double high, double prior_weight)
    : low_(low), high_(high) {
  mu_ = observations;
  mu_.push_back(0.5 * (low + high));  // the prior
  w_ = weights;
  w_.push_back(prior_weight);
  sigma_ = neighbour_bandwidths(mu_, low, high);
  double total = std::accumulate(w_.begin(), w_.end(), 0.0);
  for (double& w : w_) w /= total;
  z_.resize(mu_.size());
  for (size_t i = 0; i < mu_.size(); ++i)
    z_[i] = std::max(normal_cdf((high_ - mu_[i]) / sigma_[i]) - normal_cdf((low_ - mu_[i]) / sigma_[i]), 1e-300);
}

double NumericParzen::sample(Generator& rng) const {
  size_t k = draw_index(rng, w_);
  // Rejection from the untruncated kernel: each kernel keeps ≥ 1/3 of its mass in range
  // (its centre lies inside and it is at most as wide as the range), so this ends fast.
  for (int tries = 0; tries < 1000; ++tries) {
    double x = mu_[k] + sigma_[k] * standard_normal(rng);
    if (x >= low_ && x <= high_) return x;
  }
  return uniform(rng, low_, high_);
}

double NumericParzen::log_pdf(double x) const {
  // log Σ w_i N(x; μ_i, σ_i) / Z_i, by log-sum-exp.
  std::vector<double> terms(mu_.size());
  for (size_t i = 0; i < mu_.size(); ++i) {
    double z = (x - mu_[i]) / sigma_[i];
    terms[i] = std::log(w_[i]) - 0.5 * z * z - std::log(sigma_[i] * std::sqrt(2 * std::numbers::pi) * z_[i]);
  }
  return log_sum_exp(terms);
}

double NumericParzen::log_mass(double a, double b) const {
  double mass = 0;
  for (size_t i = 0; i < mu_.size(); ++i)
    mass += w_[i] * (normal_cdf((b - mu_[i]) / sigma_[i]) - normal_cdf((a - mu_[i]) / sigma_[i])) / z_[i];
  return mass > 0 ? std::log(mass) : kLogFloor;
}

CategoricalParzen::CategoricalParzen(const std::vector<size_t>& observations, const std::vector<double>& weights,
                                     size_t n_choices, double prior_weight)
    : p_(n_choices, prior_weight / static_cast<double>(n_choices)) {
  for (size_t i = 0; i < observations.size(); ++i) p_[observations[i]] += weights[i];
  double total = std::accumulate(p_.begin(), p_.end(), 0.0);
  for (double& p : p_) p /= total;
}

size_t CategoricalParzen::sample(Generator& rng) const { return draw_index(rng, p_); }

double CategoricalParzen::log_pmf(size_t choice) const { return p_[choice] > 0 ? std::log(p_[choice]) : kLogFloor; }

MultivariateParzen::MultivariateParzen(const std::vector<std::vector<double>>& observations,
                                       const std::vector<double>& weights, std::vector<ParzenAxis> axes,
                                       double prior_weight)
    : axes_(std::move(axes)) {
  const size_t n = observations.size(), dims = axes_.size(), components = n + 1;
  double total = prior_weight;
  for (double w : weights) total += w;
  for (double w : weights) log_w_.push_back(std::log(w / total));
  log_w_.push_back(std::log(prior_weight / total));
  mu_.resize(dims);
  sigma_.resize(dims);
  log_z_.resize(dims);
  p_.resize(dims);
  for (size_t a = 0; a < dims; ++a) {
    const ParzenAxis& axis = axes_[a];
    if (axis.choices) {
      const double smoothing = prior_weight / static_cast<double>(components);
      const double c = static_cast<double>(axis.choices);
      for (size_t k = 0; k < n; ++k) {
        std::vector<double> p(axis.choices, smoothing / (1 + smoothing * c));
        p[static_cast<size_t>(observations[k][a])] += 1 / (1 + smoothing * c);
        p_[a].push_back(std::move(p));
      }
      p_[a].emplace_back(axis.choices, 1 / c);
      continue;
    }
    for (size_t k = 0; k < n; ++k) mu_[a].push_back(observations[k][a]);
    mu_[a].push_back(0.5 * (axis.low + axis.high));
    sigma_[a] = neighbour_bandwidths(mu_[a], axis.low, axis.high);
    for (size_t k = 0; k < components; ++k) {
      const double mu = mu_[a][k], sigma = sigma_[a][k];
      double z = normal_cdf((axis.high - mu) / sigma) - normal_cdf((axis.low - mu) / sigma);
      log_z_[a].push_back(std::log(std::max(z, 1e-300)));
    }
  }
}

std::vector<double> MultivariateParzen::sample(Generator& rng) const {
  std::vector<double> weights(log_w_.size());
  for (size_t k = 0; k < weights.size(); ++k) weights[k] = std::exp(log_w_[k]);
  const size_t k = draw_index(rng, weights);
  std::vector<double> x(axes_.size());
  for (size_t a = 0; a < axes_.size(); ++a) {
    const ParzenAxis& axis = axes_[a];
    if (axis.choices) {
      x[a] = static_cast<double>(draw_index(rng, p_[a][k]));
      continue;
    }
    // Rejection from the untruncated kernel: its centre lies in the range and it is at most
    // as wide, so a third of its mass or more is inside.
    double v = uniform(rng, axis.low, axis.high);
    for (int tries = 0; tries < 1000; ++tries) {
      double t = mu_[a][k] + sigma_[a][k] * standard_normal(rng);
      if (t >= axis.low && t <= axis.high) {
        v = t;
        break;
      }
    }
    if (axis.step > 0) {
      double cells = std::max(1.0, std::round((axis.high - axis.low) / axis.step));
      v = axis.low + axis.step * (std::clamp(std::floor((v - axis.low) / axis.step), 0.0, cells - 1) + 0.5);
    }
    x[a] = v;
  }
  return x;
}

double MultivariateParzen::log_kernel(size_t a, size_t k, double x) const {
  const ParzenAxis& axis = axes_[a];
  if (axis.choices) return std::log(p_[a][k][static_cast<size_t>(x)]);
  const double mu = mu_[a][k], sigma = sigma_[a][k];
  auto log_density = [&](double v) {
    double z = (v - mu) / sigma;
    return -0.5 * z * z - std::log(sigma * std::sqrt(2 * std::numbers::pi)) - log_z_[a][k];
  };
  if (axis.step <= 0) return log_density(x);
  double mass = normal_cdf((x + axis.step / 2 - mu) / sigma) - normal_cdf((x - axis.step / 2 - mu) / sigma);
  // Far in a tail the difference of CDFs cancels to 0; the density times the width does not.
  return mass > 1e-280 ? std::log(mass) - log_z_[a][k] : log_density(x) + std::log(axis.step);
}

double MultivariateParzen::log_pdf(const std::vector<double>& x) const {
  std::vector<double> terms(log_w_);
  for (size_t k = 0; k < terms.size(); ++k)
    for (size_t a = 0; a < axes_.size(); ++a) terms[k] += log_kernel(a, k, x[a]);
  return log_sum_exp(terms);
}

}  // namespace nnlab::tune
