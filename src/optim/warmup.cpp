#include "nnlab/optim/warmup.h"

#include <fmt/format.h>

#include "nnlab/error.h"
#include "optim/option_checks.h"

namespace nnlab::optim {

using detail::require_option;

LinearWarmup::LinearWarmup(Optimizer& optimizer, int64_t warmup, double start_factor,
                           std::unique_ptr<LRScheduler> then)
    : LRScheduler(optimizer), warmup_(warmup), start_factor_(start_factor), then_(std::move(then)) {
  require_option(warmup >= 0, "warm-up", "warmup", static_cast<double>(warmup), "an integer >= 0");
  require_option(start_factor > 0 && start_factor <= 1, "warm-up", "start_factor", start_factor, "a value in (0, 1]");
  if (!then_) throw ConfigError("warm-up: needs a schedule to run after it (ConstantSchedule for none)");
  if (&then_->optimizer() != &optimizer) throw ConfigError("warm-up: the wrapped schedule drives another optimizer");
  if (then_->unit() != StepUnit::Epoch)
    throw ConfigError(fmt::format("warm-up: cannot precede '{}', which has its own warm-up", then_->name()));
  apply_warmup_lrs();
}

// lr at step last_epoch_ < warmup_ of the linear ramp from start_factor·base to base.
void LinearWarmup::apply_warmup_lrs() {
  const double progress = warmup_ == 0 ? 1.0 : static_cast<double>(last_epoch_) / static_cast<double>(warmup_);
  const double factor = start_factor_ + (1 - start_factor_) * progress;
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, base_lrs_[g] * factor);
}

void LinearWarmup::apply_current_lr() {
  if (last_epoch_ <= warmup_) apply_warmup_lrs();
  else then_->apply_current_lr();
}

void LinearWarmup::advance(std::optional<double> metric) {
  ++last_epoch_;
  if (last_epoch_ <= warmup_) {
    apply_warmup_lrs();  // at step warmup_ this is the base lr, the wrapped schedule's step 0
  } else if (metric) {
    then_->step(*metric);
  } else {
    then_->step();
  }
}

nlohmann::json LinearWarmup::extra_state() const {
  return {{"warmup", warmup_}, {"start_factor", start_factor_}, {"then", then_->state_dict()}};
}

void LinearWarmup::load_extra_state(const nlohmann::json& state) {
  const auto warmup = detail::json_field<int64_t>(state, "warmup", "warm-up");
  if (warmup != warmup_)
    throw ConfigError(fmt::format("warm-up state: saved for {} warm-up steps, this schedule has {}", warmup, warmup_));
  then_->load_state_dict(detail::json_field<nlohmann::json>(state, "then", "warm-up"));
}

}  // namespace nnlab::optim
