// Samplers: each proposes the parameters of the next trial from the study's history.
//
//   grid    every point of the full factorial once (the space's "grid" values), even with
//           several workers: a point is a claim in the storage that one trial holds
//   random  independent uniform draws (log-uniform for log parameters), seeded per trial
//   tpe     Tree-structured Parzen Estimator (Bergstra et al. 2011), multivariate over the
//           parameters every trial has (Falkner et al. 2018)
//   gp      Gaussian-process Bayesian optimisation with expected improvement
//
// A sampler is given a generator seeded from (study seed, trial number), so with one
// worker the same --seed proposes the same parameters.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/generator.h"
#include "nnlab/tune/search_space.h"
#include "nnlab/tune/trial.h"

namespace nnlab::tune {

struct SamplingContext {
  const SearchSpace& space;
  Direction direction;
  const std::vector<FrozenTrial>& trials;  // every other trial of the study, in any state
  const std::set<std::string>& claims;     // grid points other trials hold
  int number;                              // the trial being sampled
  Generator& rng;
};

struct Proposal {
  Params params;
  std::string claim;  // non-empty: a key (a grid point) no other trial may hold
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string name() const = 0;
  // nullopt: nothing is left to propose (every grid point is taken).
  virtual std::optional<Proposal> propose(const SamplingContext& ctx) = 0;
};

struct SamplerOptions {
  int startup_trials = -1;  // random trials before TPE/GP model the history; -1: the sampler's default
};

// name: grid, random, tpe or gp. Throws ConfigError for another name.
std::unique_ptr<Sampler> make_sampler(std::string_view name, const SamplerOptions& options = {});

// One independent uniform draw of every active parameter (log-uniform on log scales).
Params sample_randomly(const SearchSpace& space, Generator& rng);
// The value of one parameter drawn uniformly.
ParamValue sample_param_randomly(const ParamSpec& spec, Generator& rng);

class RandomSampler : public Sampler {
 public:
  std::string name() const override { return "random"; }
  std::optional<Proposal> propose(const SamplingContext& ctx) override;
};

class GridSampler : public Sampler {
 public:
  std::string name() const override { return "grid"; }
  std::optional<Proposal> propose(const SamplingContext& ctx) override;
  // Every point of the full factorial; a conditional parameter varies only where it
  // exists. Throws ConfigError for a continuous parameter without grid values.
  static std::vector<Params> enumerate(const SearchSpace& space);
  static std::string claim_key(const Params& point);

 private:
  std::vector<Params> points_;
  bool enumerated_ = false;
};

struct TpeOptions {
  int startup_trials = 10;   // random trials first (Optuna's default)
  int ei_candidates = 24;    // draws from l(x) scored by l(x)/g(x) (Bergstra et al. 2011)
  double prior_weight = 1.0;
  // The good group l(x) models: the best γ·n of n trials (at most 25). Optuna takes 0.1;
  // 0.2 found better optima within 40-60 trials on branin and hartmann6 (docs/tuning.md).
  double gamma = 0.2;
  // Model the parameters that exist in every trial jointly (multivariate TPE) rather than
  // one by one; conditional parameters stay univariate.
  bool multivariate = true;
};

class TpeSampler : public Sampler {
 public:
  explicit TpeSampler(TpeOptions options = {}) : options_(options) {}
  std::string name() const override { return "tpe"; }
  std::optional<Proposal> propose(const SamplingContext& ctx) override;

 private:
  TpeOptions options_;
};

struct GpOptions {
  int startup_trials = 10;   // random trials before the GP is fitted
  int raw_candidates = 2000;  // random points scored by EI to seed the local searches
  int local_starts = 10;      // best of those refined by projected L-BFGS
};

class GpSampler : public Sampler {
 public:
  explicit GpSampler(GpOptions options = {}) : options_(options) {}
  std::string name() const override { return "gp"; }
  std::optional<Proposal> propose(const SamplingContext& ctx) override;

 private:
  GpOptions options_;
  std::vector<double> last_hyper_;  // warm start for the next fit
};

}  // namespace nnlab::tune
