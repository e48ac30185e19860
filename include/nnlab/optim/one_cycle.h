// The one-cycle policy (Smith 2018, "A disciplined approach to neural network
// hyper-parameters"; Smith & Topin 2019), as PyTorch's OneCycleLR. Steps per batch.
// The lr rises from max_lr/div_factor to max_lr over the first pct_start of total_steps,
// then falls to max_lr/(div_factor·final_div_factor); with three_phase it first falls back
// to the initial lr and only then anneals to the minimum. The momentum coefficient (SGD's
// momentum, Adam's beta1) moves the opposite way between max_momentum and base_momentum.
#pragma once

#include <optional>

#include "nnlab/optim/scheduler.h"

namespace nnlab::optim {

enum class Anneal { Cos, Linear };

struct OneCycleOptions {
  explicit OneCycleOptions(int64_t total_steps) : total_steps_(total_steps) {}
  NNLAB_OPTION(int64_t, total_steps);
  // The peak lr of every group; unset, each group's lr when the schedule is built.
  NNLAB_OPTION(std::optional<double>, max_lr) = std::nullopt;
  NNLAB_OPTION(double, pct_start) = 0.3;
  NNLAB_OPTION(Anneal, anneal_strategy) = Anneal::Cos;
  NNLAB_OPTION(bool, cycle_momentum) = true;
  NNLAB_OPTION(double, base_momentum) = 0.85;
  NNLAB_OPTION(double, max_momentum) = 0.95;
  NNLAB_OPTION(double, div_factor) = 25;
  NNLAB_OPTION(double, final_div_factor) = 1e4;
  NNLAB_OPTION(bool, three_phase) = false;
};

class OneCycleLR : public LRScheduler {
 public:
  // Sets the groups' lr (and momentum) to their step-0 values. Throws ConfigError for
  // options out of range, phases without steps, or cycle_momentum on an optimizer that has
  // no momentum coefficient (Adagrad).
  OneCycleLR(Optimizer& optimizer, const OneCycleOptions& options);

  std::string_view name() const override { return "onecycle"; }
  StepUnit unit() const override { return StepUnit::Batch; }
  const OneCycleOptions& options() const { return options_; }

 protected:
  // Up to total_steps steps, as PyTorch allows; the last (after the last batch) holds the
  // final lr where PyTorch extrapolates. Stepping further is a ConfigError.
  void advance(std::optional<double> metric) override;
  nlohmann::json extra_state() const override;
  void load_extra_state(const nlohmann::json& state) override;

 private:
  enum class Level { Initial, Max, Min };  // max_lr/div_factor, max_lr, initial/final_div_factor
  struct Phase {
    double end_step;
    Level lr_from, lr_to;
    double momentum_from, momentum_to;
  };
  double lr_level(size_t group, Level level) const;
  void apply();

  OneCycleOptions options_;
  std::vector<double> max_lrs_;
  std::vector<Phase> phases_;
};

}  // namespace nnlab::optim
