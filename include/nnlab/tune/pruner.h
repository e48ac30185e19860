// Pruners stop unpromising trials early from their intermediate values (the metric after
// each epoch), so the budget goes to the promising ones.
//
//   median  stop a trial whose best value so far is worse than the median of the complete
//           trials' values at the same step (Golovin et al., "Google Vizier", KDD 2017)
//   asha    asynchronous successive halving (Li et al., "A System for Massively Parallel
//           Hyperparameter Tuning", MLSys 2020, arXiv:1810.05934 (2018)): at rung k, step
//           min_resource · η^k, a trial goes on only if it is in the top 1/η of the trials
//           that reached that rung
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/tune/trial.h"

namespace nnlab::tune {

class Pruner {
 public:
  virtual ~Pruner() = default;
  virtual std::string name() const = 0;
  // Whether `trial`, which has just reported its latest intermediate value, should stop.
  // `others` are the study's other trials.
  virtual bool should_prune(const FrozenTrial& trial, const std::vector<FrozenTrial>& others,
                            Direction direction) const = 0;
};

struct MedianPrunerOptions {
  int startup_trials = 5;  // complete trials needed before anything is pruned
  int64_t warmup_steps = 0;  // steps below this are never pruned
  int64_t interval_steps = 1;  // prune only every this many steps after the warmup
};

class MedianPruner : public Pruner {
 public:
  explicit MedianPruner(MedianPrunerOptions options = {}) : options_(options) {}
  std::string name() const override { return "median"; }
  bool should_prune(const FrozenTrial& trial, const std::vector<FrozenTrial>& others,
                    Direction direction) const override;

 private:
  MedianPrunerOptions options_;
};

struct AshaOptions {
  int64_t min_resource = 1;  // the first rung's step
  int reduction_factor = 3;  // η: a rung keeps the top 1/η
  int min_early_stopping_rate = 0;  // s: rung k sits at min_resource · η^(s + k)
};

class AshaPruner : public Pruner {
 public:
  explicit AshaPruner(AshaOptions options = {}) : options_(options) {}
  std::string name() const override { return "asha"; }
  bool should_prune(const FrozenTrial& trial, const std::vector<FrozenTrial>& others,
                    Direction direction) const override;
  // Step of rung k.
  int64_t rung_step(int k) const;

 private:
  AshaOptions options_;
};

struct PrunerOptions {
  MedianPrunerOptions median;
  AshaOptions asha;
};

// none (nullptr), median or asha; throws ConfigError for another name or bad options.
std::unique_ptr<Pruner> make_pruner(std::string_view name, const PrunerOptions& options = {});

}  // namespace nnlab::tune
