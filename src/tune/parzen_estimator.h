// Parzen estimators of one parameter, the l(x) and g(x) of TPE (Bergstra et al. 2011).
#pragma once

#include <cstddef>
#include <vector>

#include "nnlab/generator.h"

namespace nnlab::tune {

// Observation weights in trial order: equal for up to 25 observations, then the older
// ones ramp down linearly so that the model follows recent history (as hyperopt and
// Optuna do).
std::vector<double> tpe_observation_weights(size_t n);

// A mixture of Gaussians truncated to [low, high]: one per observation, plus a prior
// component centred in the range with the range's width, which keeps every region
// reachable. Bandwidths follow hyperopt's adaptive Parzen estimator: each kernel is as
// wide as the larger gap to its neighbours, clipped to [range / min(100, 1 + n), range].
class NumericParzen {
 public:
  NumericParzen(const std::vector<double>& observations, const std::vector<double>& weights, double low, double high,
                double prior_weight);
  double sample(Generator& rng) const;
  double log_pdf(double x) const;               // density at x (continuous parameters)
  double log_mass(double a, double b) const;    // probability of [a, b] (discrete parameters)

  const std::vector<double>& mus() const { return mu_; }
  const std::vector<double>& sigmas() const { return sigma_; }
  const std::vector<double>& weights() const { return w_; }

 private:
  std::vector<double> mu_, sigma_, w_, z_;  // z_: each kernel's mass inside [low, high]
  double low_, high_;
};

// A categorical distribution: the prior spreads prior_weight evenly over the choices and
// each observation adds its weight to the choice it took.
class CategoricalParzen {
 public:
  CategoricalParzen(const std::vector<size_t>& observations, const std::vector<double>& weights, size_t n_choices,
                    double prior_weight);
  size_t sample(Generator& rng) const;
  double log_pmf(size_t choice) const;

 private:
  std::vector<double> p_;
};

}  // namespace nnlab::tune
