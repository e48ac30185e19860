// Learning-rate schedules, as PyTorch 1.13's torch.optim.lr_scheduler: a schedule is built
// over an optimizer, records each group's lr at that moment as its base lr, and sets the
// groups' lr on every step().
//
// When to call step(): unit() says. Epoch schedules (all but one-cycle) step once after
// each epoch, so epoch e trains at the lr of e steps; OneCycleLR steps after each batch.
// ReduceLROnPlateau steps with the monitored metric: step(val_loss).
//
// state_dict() holds the schedule's counters only; the current lr is restored with the
// optimizer's state, as in PyTorch. Restore both to resume.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nnlab/optim/optimizer.h"

namespace nnlab::optim {

enum class StepUnit { Epoch, Batch };

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  virtual std::string_view name() const = 0;
  virtual StepUnit unit() const { return StepUnit::Epoch; }

  void step() { advance(std::nullopt); }
  void step(double metric) { advance(metric); }  // schedules other than plateau ignore the metric

  int64_t last_epoch() const { return last_epoch_; }  // steps taken (batches for one-cycle)
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  std::vector<double> last_lr() const;  // the groups' current lr
  Optimizer& optimizer() const { return optimizer_; }

  nlohmann::json state_dict() const;
  // Throws ConfigError when the state is another schedule's, for another number of groups,
  // or malformed; nothing changes then.
  void load_state_dict(const nlohmann::json& state);
  // Sets the groups' lr to the schedule's value at its current step, for a resumed run that
  // changed the schedule's length or base rate under it. A schedule whose rate depends on
  // its history (plateau) keeps the optimizer's.
  virtual void apply_current_lr() {}

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  virtual void advance(std::optional<double> metric) = 0;
  // Schedule-specific state beyond last_epoch and base_lrs. load_extra_state checks all
  // of it before changing anything.
  virtual nlohmann::json extra_state() const { return nlohmann::json::object(); }
  virtual void load_extra_state(const nlohmann::json&) {}

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = 0;
};

// A schedule whose lr is a function of the base lr and the step count alone.
class ClosedFormScheduler : public LRScheduler {
 public:
  virtual double lr_at(double base_lr, int64_t epoch) const = 0;
  void apply_current_lr() override;

 protected:
  using LRScheduler::LRScheduler;
  void advance(std::optional<double> metric) override;
};

// lr = base (no schedule; a linear warm-up may still wrap it).
class ConstantSchedule : public ClosedFormScheduler {
 public:
  explicit ConstantSchedule(Optimizer& optimizer) : ClosedFormScheduler(optimizer) {}
  std::string_view name() const override { return "none"; }
  double lr_at(double base_lr, int64_t) const override { return base_lr; }
};

// lr = base · gamma^⌊epoch / step_size⌋.
class StepLR : public ClosedFormScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  std::string_view name() const override { return "step"; }
  double lr_at(double base_lr, int64_t epoch) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr = base · gamma^(number of milestones ≤ epoch); a repeated milestone counts twice.
class MultiStepLR : public ClosedFormScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);
  std::string_view name() const override { return "multistep"; }
  double lr_at(double base_lr, int64_t epoch) const override;

 private:
  std::vector<int64_t> milestones_;  // sorted
  double gamma_;
};

// lr = base · gamma^epoch.
class ExponentialLR : public ClosedFormScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  std::string_view name() const override { return "exponential"; }
  double lr_at(double base_lr, int64_t epoch) const override;

 private:
  double gamma_;
};

// SGDR's cosine annealing without restarts (Loshchilov & Hutter 2017):
// lr = eta_min + (base − eta_min)·(1 + cos(π·epoch/T_max))/2; past T_max it rises again,
// as PyTorch's does.
class CosineAnnealingLR : public ClosedFormScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min = 0);
  std::string_view name() const override { return "cosine"; }
  double lr_at(double base_lr, int64_t epoch) const override;

 private:
  int64_t t_max_;
  double eta_min_;
};

}  // namespace nnlab::optim
