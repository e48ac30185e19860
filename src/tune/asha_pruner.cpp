// ASHA as a stopping rule: a trial cannot be paused and resumed later, so instead of waiting
// to be promoted (Li et al. 2018, alg. 2), a trial reaching a rung goes on only if it is
// already among the top 1/η there. When fewer than η trials have reached the rung, only the
// best so far goes on, so that the first trials are not all kept by default.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "nnlab/tune/pruner.h"

namespace nnlab::tune {

namespace {

// A trial's value at a rung: its report at the first step at or past the rung's step.
std::optional<double> value_at_rung(const FrozenTrial& t, int64_t rung_step) {
  for (auto& iv : t.intermediate)
    if (iv.step >= rung_step) return iv.value;
  return std::nullopt;
}

// NaN ranks last in either direction.
double rank_key(double v, Direction d) {
  if (std::isnan(v)) return std::numeric_limits<double>::infinity();
  return d == Direction::Minimize ? v : -v;
}

}  // namespace

int64_t AshaPruner::rung_step(int k) const {
  int64_t step = options_.min_resource;
  for (int i = 0; i < options_.min_early_stopping_rate + k; ++i) {
    if (step > std::numeric_limits<int64_t>::max() / options_.reduction_factor) return std::numeric_limits<int64_t>::max();
    step *= options_.reduction_factor;
  }
  return step;
}

bool AshaPruner::should_prune(const FrozenTrial& trial, const std::vector<FrozenTrial>& others,
                              Direction direction) const {
  if (trial.intermediate.empty()) return false;
  const int64_t step = trial.intermediate.back().step;
  const int64_t previous = trial.intermediate.size() > 1 ? trial.intermediate[trial.intermediate.size() - 2].step
                                                         : std::numeric_limits<int64_t>::min();
  // The highest rung this report reaches for the first time; none: nothing to decide.
  int rung = -1;
  for (int k = 0; k < 60 && rung_step(k) <= step; ++k)
    if (rung_step(k) > previous) rung = k;
  if (rung < 0) return false;
  const int64_t at = rung_step(rung);
  const double mine = rank_key(trial.intermediate.back().value, direction);

  std::vector<double> competitors{mine};
  for (auto& t : others) {
    if (t.id == trial.id || t.state == TrialState::Waiting) continue;
    if (auto v = value_at_rung(t, at)) competitors.push_back(rank_key(*v, direction));
  }
  std::sort(competitors.begin(), competitors.end());
  size_t keep = std::max<size_t>(competitors.size() / static_cast<size_t>(options_.reduction_factor), 1);
  return mine > competitors[keep - 1];
}

}  // namespace nnlab::tune
