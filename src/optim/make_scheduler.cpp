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
  // A floor above the rate would make cosine and plateau raise it.
  if ((n == "cosine" || n == "plateau") && c.eta_min >= optimizer.lr(0))
    throw ConfigError(fmt::format("`min_lr` {} must be below the learning rate `lr` {}", c.eta_min, optimizer.lr(0)));
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

const OptionTable<ScheduleConfig>& ScheduleConfig::table() {
  using C = ScheduleConfig;
  static const OptionTable<C> t = OptionTable<C>()
      .add("schedule", &C::name, "LR schedule: none, step, multistep, exponential, cosine, onecycle, plateau")
      .add("warmup", &C::warmup, "Epochs of linear warm-up before the schedule", non_negative())
      .add_property<std::optional<double>>(
          "gamma", [](const C& c) { return c.gamma; },
          [](C& c, std::optional<double> v) {
            c.gamma = v;
            if (v) c.plateau.factor(*v);
          },
          "step, multistep, exponential, plateau: the LR factor", positive())
      .add_property<int64_t>(
          "step_size", [](const C& c) { return c.step_size.value_or(0); },
          [](C& c, int64_t v) {
            if (v < 0) throw ConfigError(fmt::format("`step_size` {} must be non-negative", v));
            c.step_size = v > 0 ? std::optional(v) : std::nullopt;
          },
          "step: epochs between cuts (0: a third of the run)", non_negative())
      .add("milestones", &C::milestones, "multistep: epochs of the cuts, e.g. 30,40 (default 50% and 75%)")
      .add_property<double>(
          "min_lr", [](const C& c) { return c.eta_min; },
          [](C& c, double v) {
            c.eta_min = v;
            c.plateau.min_lr(v);
          },
          "cosine, plateau: the lowest LR", non_negative())
      .add_property<double>(
          "max_lr", [](const C& c) { return c.one_cycle.max_lr().value_or(0); },
          [](C& c, double v) {
            if (v < 0) throw ConfigError(fmt::format("`max_lr` {} must be non-negative", v));
            c.one_cycle.max_lr(v > 0 ? std::optional(v) : std::nullopt);
          },
          "onecycle: the peak LR (0: `lr`)", non_negative())
      .add_property<double>(
          "pct_start", [](const C& c) { return c.one_cycle.pct_start(); },
          [](C& c, double v) { c.one_cycle.pct_start(v); }, "onecycle: fraction of the steps spent rising",
          in_open(0, 1))
      .add_property<int64_t>(
          "patience", [](const C& c) { return c.plateau.patience(); },
          [](C& c, int64_t v) { c.plateau.patience(v); }, "plateau: epochs without improvement before a cut", non_negative());
  return t;
}

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
