#include "nnlab/optim/plateau.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nnlab/error.h"
#include "optim/option_checks.h"

namespace nnlab::optim {

using detail::json_field;
using detail::require_option;

namespace {

constexpr const char* kOwner = "plateau schedule";

double worst(PlateauMode mode) {
  const double inf = std::numeric_limits<double>::infinity();
  return mode == PlateauMode::Min ? inf : -inf;
}

}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const PlateauOptions& o)
    : LRScheduler(optimizer), options_(o), best_(worst(o.mode())) {
  require_option(o.factor() >= 0 && o.factor() < 1, kOwner, "factor", o.factor(), "a value in [0, 1)");
  require_option(o.patience() >= 0, kOwner, "patience", static_cast<double>(o.patience()), "an integer >= 0");
  require_option(o.threshold() >= 0, kOwner, "threshold", o.threshold(), "a value >= 0");
  require_option(o.cooldown() >= 0, kOwner, "cooldown", static_cast<double>(o.cooldown()), "an integer >= 0");
  require_option(o.min_lr() >= 0, kOwner, "min_lr", o.min_lr(), "a value >= 0");
  require_option(o.eps() >= 0, kOwner, "eps", o.eps(), "a value >= 0");
}

bool ReduceLROnPlateau::is_better(double value) const {
  const double t = options_.threshold();
  const bool relative = options_.threshold_mode() == ThresholdMode::Relative;
  if (options_.mode() == PlateauMode::Min) return relative ? value < best_ * (1 - t) : value < best_ - t;
  return relative ? value > best_ * (1 + t) : value > best_ + t;
}

void ReduceLROnPlateau::advance(std::optional<double> metric) {
  if (!metric) throw Error("plateau schedule: step() needs the monitored metric, as step(metric)");
  ++last_epoch_;
  if (is_better(*metric)) {
    best_ = *metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {  // bad steps in the cooldown do not count
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > options_.patience()) {
    for (size_t g = 0; g < optimizer_.num_groups(); ++g) {
      const double old_lr = optimizer_.lr(g);
      const double new_lr = std::max(old_lr * options_.factor(), options_.min_lr());
      if (old_lr - new_lr > options_.eps()) optimizer_.set_lr(g, new_lr);
    }
    cooldown_counter_ = options_.cooldown();
    num_bad_epochs_ = 0;
  }
}

nlohmann::json ReduceLROnPlateau::extra_state() const {
  // JSON has no infinity: the initial best (worse than any value) is saved as "inf" or "-inf".
  nlohmann::json best = best_;
  if (std::isinf(best_)) best = best_ > 0 ? "inf" : "-inf";
  return {{"best", best},
          {"num_bad_epochs", num_bad_epochs_},
          {"cooldown_counter", cooldown_counter_}};
}

void ReduceLROnPlateau::load_extra_state(const nlohmann::json& state) {
  const auto best = json_field<nlohmann::json>(state, "best", kOwner);
  if (!best.is_number() && best != "inf" && best != "-inf")
    throw ConfigError("plateau schedule state: 'best' is not a number");
  const auto bad = json_field<int64_t>(state, "num_bad_epochs", kOwner);
  const auto cooldown = json_field<int64_t>(state, "cooldown_counter", kOwner);
  if (bad < 0 || cooldown < 0) throw ConfigError("plateau schedule state: negative counters");
  const double inf = std::numeric_limits<double>::infinity();
  best_ = best.is_number() ? best.get<double>() : best == "inf" ? inf : -inf;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown;
}

}  // namespace nnlab::optim
