// The closed-form epoch schedules. PyTorch computes them recursively (lr ← lr·gamma at each
// drop); the closed forms give the same values to within a few ulps of double.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "nnlab/optim/scheduler.h"
#include "optim/option_checks.h"

namespace nnlab::optim {

using detail::require_option;

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : ClosedFormScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  require_option(step_size >= 1, "step schedule", "step_size", static_cast<double>(step_size), "an integer >= 1");
  require_option(gamma > 0, "step schedule", "gamma", gamma, "a value > 0");
}

double StepLR::lr_at(double base_lr, int64_t epoch) const {
  return base_lr * std::pow(gamma_, static_cast<double>(epoch / step_size_));
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : ClosedFormScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  for (int64_t m : milestones_)
    require_option(m >= 1, "multistep schedule", "milestone", static_cast<double>(m), "integers >= 1");
  require_option(gamma > 0, "multistep schedule", "gamma", gamma, "a value > 0");
  std::sort(milestones_.begin(), milestones_.end());
}

double MultiStepLR::lr_at(double base_lr, int64_t epoch) const {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin();
  return base_lr * std::pow(gamma_, static_cast<double>(passed));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : ClosedFormScheduler(optimizer), gamma_(gamma) {
  require_option(gamma > 0, "exponential schedule", "gamma", gamma, "a value > 0");
}

double ExponentialLR::lr_at(double base_lr, int64_t epoch) const {
  return base_lr * std::pow(gamma_, static_cast<double>(epoch));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min)
    : ClosedFormScheduler(optimizer), t_max_(t_max), eta_min_(eta_min) {
  require_option(t_max >= 1, "cosine schedule", "T_max", static_cast<double>(t_max), "an integer >= 1");
  require_option(eta_min >= 0, "cosine schedule", "eta_min", eta_min, "a value >= 0");
}

double CosineAnnealingLR::lr_at(double base_lr, int64_t epoch) const {
  const double phase = std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(t_max_);
  return eta_min_ + (base_lr - eta_min_) * (1 + std::cos(phase)) / 2;
}

}  // namespace nnlab::optim
