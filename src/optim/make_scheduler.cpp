#include "nnlab/optim/make_scheduler.h"

#include <algorithm>

#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/optim/warmup.h"

namespace nnlab::optim {

namespace {

std::unique_ptr<LRScheduler> make_main(Optimizer& optimizer, const ScheduleConfig& c) {
  const int64_t after_warmup = std::max<int64_t>(1, c.epochs - c.warmup);
  const std::string& n = c.name;
  if (n == "none") return std::make_unique<ConstantSchedule>(optimizer);
  if (n == "step")
    return std::make_unique<StepLR>(optimizer, c.step_size.value_or(std::max<int64_t>(1, c.epochs / 3)),
                                    c.gamma.value_or(0.1));
  if (n == "multistep") {
    std::vector<int64_t> milestones = c.milestones;
    if (milestones.empty())
      milestones = {std::max<int64_t>(1, after_warmup / 2), std::max<int64_t>(1, after_warmup * 3 / 4)};
    return std::make_unique<MultiStepLR>(optimizer, milestones, c.gamma.value_or(0.1));
  }
  if (n == "exponential") {
    if (!c.gamma) throw ConfigError("schedule 'exponential' needs gamma, the factor per epoch, in (0, 1]");
    return std::make_unique<ExponentialLR>(optimizer, *c.gamma);
  }
  if (n == "cosine") return std::make_unique<CosineAnnealingLR>(optimizer, c.t_max.value_or(after_warmup), c.eta_min);
  if (n == "plateau") return std::make_unique<ReduceLROnPlateau>(optimizer, c.plateau);
  if (n == "onecycle") {
    if (c.warmup > 0) throw ConfigError("schedule 'onecycle' has its own warm-up (pct_start); drop the warm-up");
    OneCycleOptions o = c.one_cycle;
    if (o.total_steps() == 0) o.total_steps(c.epochs * c.steps_per_epoch);
    // An optimizer without a momentum coefficient (Adagrad) just keeps it fixed.
    if (!optimizer.has_momentum()) o.cycle_momentum(false);
    return std::make_unique<OneCycleLR>(optimizer, o);
  }
  throw ConfigError(fmt::format("unknown schedule '{}'; accepted: {}", n, kScheduleNames));
}

}  // namespace

std::unique_ptr<LRScheduler> make_scheduler(Optimizer& optimizer, const ScheduleConfig& config) {
  if (config.epochs < 1) throw ConfigError(fmt::format("schedule: epochs = {} must be >= 1", config.epochs));
  if (config.steps_per_epoch < 1)
    throw ConfigError(fmt::format("schedule: steps_per_epoch = {} must be >= 1", config.steps_per_epoch));
  if (config.warmup < 0) throw ConfigError(fmt::format("schedule: warmup = {} must be >= 0", config.warmup));
  std::unique_ptr<LRScheduler> main = make_main(optimizer, config);
  if (config.warmup == 0) return main;
  return std::make_unique<LinearWarmup>(optimizer, config.warmup, config.warmup_start_factor, std::move(main));
}

}  // namespace nnlab::optim
