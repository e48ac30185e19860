#include "nnlab/optim/one_cycle.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "nnlab/error.h"
#include "optim/option_checks.h"

namespace nnlab::optim {

using detail::require_option;

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleOptions& o) : LRScheduler(optimizer), options_(o) {
  const char* owner = "one-cycle schedule";
  require_option(o.total_steps() >= 1, owner, "total_steps", static_cast<double>(o.total_steps()), "an integer >= 1");
  require_option(o.pct_start() >= 0 && o.pct_start() <= 1, owner, "pct_start", o.pct_start(), "a value in [0, 1]");
  require_option(o.div_factor() > 0, owner, "div_factor", o.div_factor(), "a value > 0");
  require_option(o.final_div_factor() > 0, owner, "final_div_factor", o.final_div_factor(), "a value > 0");
  if (o.max_lr()) require_option(*o.max_lr() >= 0, owner, "max_lr", *o.max_lr(), "a value >= 0");
  if (o.cycle_momentum() && !optimizer.has_momentum())
    throw ConfigError(fmt::format("{}: cycle_momentum needs an optimizer with momentum or beta1, not '{}'", owner,
                                  optimizer.name()));

  // Phase ends as PyTorch places them: the peak at step pct_start·total − 1, the end at total − 1.
  const double total = static_cast<double>(o.total_steps());
  const double base_m = o.base_momentum(), max_m = o.max_momentum();
  const double peak = o.pct_start() * total - 1;
  using L = Level;
  if (o.three_phase())
    phases_ = {{peak, L::Initial, L::Max, max_m, base_m},
               {2 * o.pct_start() * total - 2, L::Max, L::Initial, base_m, max_m},
               {total - 1, L::Initial, L::Min, max_m, max_m}};
  else
    phases_ = {{peak, L::Initial, L::Max, max_m, base_m}, {total - 1, L::Max, L::Min, base_m, max_m}};
  double start = 0;
  for (const Phase& p : phases_) {
    if (!(p.end_step > start))
      throw ConfigError(fmt::format("{}: pct_start {} of total_steps {} leaves a phase without steps", owner,
                                    o.pct_start(), o.total_steps()));
    start = p.end_step;
  }
  for (size_t g = 0; g < optimizer.num_groups(); ++g) {
    max_lrs_.push_back(o.max_lr().value_or(optimizer.lr(g)));
    base_lrs_[g] = max_lrs_[g] / o.div_factor();
  }
  apply();
}

double OneCycleLR::lr_level(size_t g, Level level) const {
  const double initial = max_lrs_[g] / options_.div_factor();
  switch (level) {
    case Level::Initial: return initial;
    case Level::Max: return max_lrs_[g];
    case Level::Min: return initial / options_.final_div_factor();
  }
  return initial;
}

void OneCycleLR::apply() {
  const double step = static_cast<double>(last_epoch_);
  const auto anneal = [&](double from, double to, double pct) {
    if (options_.anneal_strategy() == Anneal::Linear) return (to - from) * pct + from;
    return to + (from - to) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
  };
  double start = 0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& p = phases_[i];
    if (step <= p.end_step || i + 1 == phases_.size()) {
      // Step total_steps (after the last batch) lies past the last phase, where PyTorch
      // extrapolates (to a negative lr when annealing linearly); hold the final value.
      const double pct = std::min(1.0, (step - start) / (p.end_step - start));
      for (size_t g = 0; g < max_lrs_.size(); ++g) {
        optimizer_.set_lr(g, anneal(lr_level(g, p.lr_from), lr_level(g, p.lr_to), pct));
        if (options_.cycle_momentum()) optimizer_.set_momentum(g, anneal(p.momentum_from, p.momentum_to, pct));
      }
      return;
    }
    start = p.end_step;
  }
}

void OneCycleLR::advance(std::optional<double>) {
  if (last_epoch_ + 1 > options_.total_steps())
    throw ConfigError(fmt::format("one-cycle schedule: stepped more than total_steps ({}) times; set total_steps "
                                  "to epochs × batches per epoch",
                                  options_.total_steps()));
  ++last_epoch_;
  apply();
}

nlohmann::json OneCycleLR::extra_state() const {
  return {{"total_steps", options_.total_steps()}, {"max_lrs", max_lrs_}};
}

void OneCycleLR::load_extra_state(const nlohmann::json& state) {
  const auto total = detail::json_field<int64_t>(state, "total_steps", "one-cycle schedule");
  auto max_lrs = detail::json_field<std::vector<double>>(state, "max_lrs", "one-cycle schedule");
  if (total != options_.total_steps())
    throw ConfigError(fmt::format("one-cycle schedule state: saved for {} total steps, this schedule has {}", total,
                                  options_.total_steps()));
  if (max_lrs.size() != max_lrs_.size())
    throw ConfigError("one-cycle schedule state: saved for another number of parameter groups");
  max_lrs_ = std::move(max_lrs);
}

}  // namespace nnlab::optim
