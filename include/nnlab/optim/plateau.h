// Reduce the lr when a monitored metric stops improving, as PyTorch's ReduceLROnPlateau:
// after more than `patience` steps without an improvement (beyond `threshold`, relative or
// absolute), every group's lr is multiplied by `factor` (not below min_lr; changes smaller
// than eps are skipped), then `cooldown` steps pass before bad steps count again.
// Steps per epoch with the metric: step(val_loss).
#pragma once

#include "nnlab/optim/scheduler.h"

namespace nnlab::optim {

enum class PlateauMode { Min, Max };         // whether lower or higher metric is better
enum class ThresholdMode { Relative, Absolute };

struct PlateauOptions {
  NNLAB_OPTION(PlateauMode, mode) = PlateauMode::Min;
  NNLAB_OPTION(double, factor) = 0.1;
  NNLAB_OPTION(int64_t, patience) = 10;
  NNLAB_OPTION(double, threshold) = 1e-4;
  NNLAB_OPTION(ThresholdMode, threshold_mode) = ThresholdMode::Relative;
  NNLAB_OPTION(int64_t, cooldown) = 0;
  NNLAB_OPTION(double, min_lr) = 0;
  NNLAB_OPTION(double, eps) = 1e-8;
};

class ReduceLROnPlateau : public LRScheduler {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, const PlateauOptions& options = PlateauOptions());

  std::string_view name() const override { return "plateau"; }
  const PlateauOptions& options() const { return options_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }

 protected:
  // step() without a metric is an Error: this schedule needs step(metric).
  void advance(std::optional<double> metric) override;
  nlohmann::json extra_state() const override;
  void load_extra_state(const nlohmann::json& state) override;

 private:
  bool is_better(double value) const;

  PlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
};

}  // namespace nnlab::optim
