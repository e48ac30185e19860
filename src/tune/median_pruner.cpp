#include <algorithm>
#include <cmath>

#include "nnlab/tune/pruner.h"

namespace nnlab::tune {

bool MedianPruner::should_prune(const FrozenTrial& trial, const std::vector<FrozenTrial>& others,
                                Direction direction) const {
  if (trial.intermediate.empty()) return false;
  int complete = 0;
  for (auto& t : others)
    if (t.state == TrialState::Complete) ++complete;
  if (complete < options_.startup_trials) return false;
  const int64_t step = trial.intermediate.back().step;
  if (step < options_.warmup_steps || (step - options_.warmup_steps) % options_.interval_steps != 0) return false;

  // The trial's best value so far: a trial that was good earlier is not cut for one bad
  // epoch (as Optuna's percentile pruner does). Only NaN so far: it has diverged.
  std::optional<double> best;
  for (auto& iv : trial.intermediate)
    if (!std::isnan(iv.value) && (!best || better(direction, iv.value, *best))) best = iv.value;
  if (!best) return true;

  std::vector<double> at_step;
  for (auto& t : others) {
    if (t.state != TrialState::Complete) continue;
    for (auto& iv : t.intermediate)
      if (iv.step == step && !std::isnan(iv.value)) at_step.push_back(iv.value);
  }
  if (at_step.empty()) return false;
  std::sort(at_step.begin(), at_step.end());
  size_t m = at_step.size();
  double median = m % 2 ? at_step[m / 2] : 0.5 * (at_step[m / 2 - 1] + at_step[m / 2]);
  return better(direction, median, *best);
}

}  // namespace nnlab::tune
