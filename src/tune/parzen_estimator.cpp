#include "tune/parzen_estimator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "tune/random_util.h"

namespace nnlab::tune {

namespace {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

constexpr double kLogFloor = -1e300;  // log of an impossible value: finite, so differences stay defined

}  // namespace

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
  const double range = high - low;
  const size_t n = observations.size();
  mu_ = observations;
  mu_.push_back(0.5 * (low + high));  // the prior
  w_ = weights;
  w_.push_back(prior_weight);
  // Bandwidth: the larger of the gaps to the neighbours, the range ends acting as neighbours.
  std::vector<size_t> order(mu_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return mu_[a] < mu_[b]; });
  sigma_.assign(mu_.size(), range);
  for (size_t k = 0; k < order.size(); ++k) {
    double left = k == 0 ? low : mu_[order[k - 1]];
    double right = k + 1 == order.size() ? high : mu_[order[k + 1]];
    double here = mu_[order[k]];
    sigma_[order[k]] = std::max(here - left, right - here);
  }
  // "Magic clip" (Bergstra et al. 2011, hyperopt): no kernel narrower than range/min(100, n+1)
  // nor wider than the range; the prior keeps the whole range.
  double min_sigma = range / std::min(100.0, 1.0 + static_cast<double>(mu_.size()));
  for (double& s : sigma_) s = std::clamp(s, min_sigma, range);
  sigma_[n] = range;
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
  double peak = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < mu_.size(); ++i) {
    double z = (x - mu_[i]) / sigma_[i];
    terms[i] = std::log(w_[i]) - 0.5 * z * z - std::log(sigma_[i] * std::sqrt(2 * std::numbers::pi) * z_[i]);
    peak = std::max(peak, terms[i]);
  }
  double sum = 0;
  for (double t : terms) sum += std::exp(t - peak);
  return peak + std::log(sum);
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

}  // namespace nnlab::tune
