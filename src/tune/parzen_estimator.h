// Parzen estimators of one parameter, the l(x) and g(x) of TPE (Bergstra et al. 2011).
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "nnlab/generator.h"

namespace nnlab::tune {

// The size of TPE's good group among n ranked trials: ⌈γ·n⌉, at least 1 and at most 25
// (Optuna's default_gamma, whose γ is 0.1).
size_t tpe_below_count(size_t n, double gamma);

// The weights of the good trials in l(x): each one's improvement over the best loss of the
// others, threshold − loss (Watanabe, "Tree-structured Parzen estimator: understanding its
// algorithm components and their roles", 2023, the "EI" weighting), so that the best point
// leads instead of counting as one of n; floored at 1e-12 so that a tie still counts.
std::vector<double> tpe_improvement_weights(const std::vector<double>& good_losses, double threshold);

// Observation weights in trial order: equal for up to 25 observations, then the older
// ones ramp down linearly so that the model follows recent history (as hyperopt and
// Optuna do).
std::vector<double> tpe_observation_weights(size_t n);

// Hyperopt's adaptive bandwidths for kernels centred at mus (the prior's centre last): each
// as wide as the larger gap to its neighbours, the range ends counting as neighbours,
// clipped to [range / min(100, 1 + mus.size()), range] (the "magic clip"); the prior gets
// the whole range.
std::vector<double> neighbour_bandwidths(const std::vector<double>& mus, double low, double high);

// A mixture of Gaussians truncated to [low, high]: one per observation, plus a prior
// component centred in the range with the range's width, which keeps every region
// reachable. Bandwidths: neighbour_bandwidths.
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

// One coordinate of a multivariate Parzen estimator, in internal units (log for log scales).
struct ParzenAxis {
  double low = 0, high = 1;  // numeric: the range (a discrete axis: the outer edges of its cells)
  double step = 0;           // > 0: the values are the centres of cells this wide, tiling [low, high]
  size_t choices = 0;        // > 0: a categorical axis; coordinates are choice indices
};

// The joint l(x) or g(x) of multivariate TPE (Falkner, Klein and Hutter, "BOHB", ICML 2018,
// §3.2): one product kernel per observation plus a prior component, so that the model sees
// which values go together where the univariate one sees only their marginals. A numeric
// kernel is a Gaussian truncated to the range with, on each axis, the bandwidth
// neighbour_bandwidths gives along that axis: wide where observations are sparse, narrow
// where they crowd. (Optuna's multivariate TPE gives all kernels Scott's width
// 0.2 · range · n^(−1/(D+4)) instead; on branin and hartmann6 the adaptive widths did better,
// docs/tuning.md.) A categorical kernel puts its mass on the observed choice and
// prior_weight / (n + 1) on every choice, the prior all choices evenly. A discrete axis
// scores the mass of the cell of a value, a continuous one its density.
class MultivariateParzen {
 public:
  // observations: n points of axes.size() coordinates; weights: one per point.
  MultivariateParzen(const std::vector<std::vector<double>>& observations, const std::vector<double>& weights,
                     std::vector<ParzenAxis> axes, double prior_weight);
  // A point from one kernel; discrete axes give the centre of a cell, categorical an index.
  std::vector<double> sample(Generator& rng) const;
  double log_pdf(const std::vector<double>& x) const;

  size_t components() const { return log_w_.size(); }
  double sigma(size_t axis, size_t component) const { return sigma_[axis][component]; }
  double weight(size_t component) const { return std::exp(log_w_[component]); }

 private:
  double log_kernel(size_t axis, size_t k, double x) const;

  std::vector<ParzenAxis> axes_;
  std::vector<std::vector<double>> mu_, sigma_, log_z_;  // [axis][component]; log_z: the mass inside the range
  std::vector<std::vector<std::vector<double>>> p_;     // categorical axes: [axis][component][choice]
  std::vector<double> log_w_;
};

}  // namespace nnlab::tune
