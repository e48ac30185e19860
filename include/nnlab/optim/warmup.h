// Linear warm-up before another schedule (Goyal et al. 2017, section 2.2): for the first
// `warmup` steps lr = base·(s + (1 − s)·step/warmup) with s the start factor, then the
// wrapped schedule runs from its own step 0. Equal to PyTorch's
// SequentialLR([LinearLR(start_factor=s, total_iters=warmup), then], milestones=[warmup]).
// A wrapped ReduceLROnPlateau sees the metrics from the end of the warm-up on.
#pragma once

#include <memory>

#include "nnlab/optim/scheduler.h"

namespace nnlab::optim {

class LinearWarmup : public LRScheduler {
 public:
  // `then` must be built first, over the same optimizer, and step per epoch (one-cycle has
  // its own warm-up). start_factor is in (0, 1]; PyTorch's LinearLR default is 1/3.
  LinearWarmup(Optimizer& optimizer, int64_t warmup, double start_factor, std::unique_ptr<LRScheduler> then);

  std::string_view name() const override { return "warmup"; }
  StepUnit unit() const override { return then_->unit(); }
  const LRScheduler& then() const { return *then_; }
  void apply_current_lr() override;

 protected:
  void advance(std::optional<double> metric) override;
  nlohmann::json extra_state() const override;
  void load_extra_state(const nlohmann::json& state) override;

 private:
  void apply_warmup_lrs();

  int64_t warmup_;
  double start_factor_;
  std::unique_ptr<LRScheduler> then_;
};

}  // namespace nnlab::optim
