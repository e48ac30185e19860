// RMSprop (Tieleman & Hinton 2012, lecture 6.5) as PyTorch formulates it: a running mean of
// squared gradients s ← αs + (1−α)g², the step g/(√s + ε); centered (Graves 2013) subtracts
// the squared running mean of gradients from s; momentum accumulates b ← μb + g/(√s + ε)
// and steps by lr·b. Weight decay is coupled L2 (g ← g + λp).
#pragma once

#include "nnlab/optim/optimizer.h"

namespace nnlab::optim {

struct RMSpropOptions {
  explicit RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  NNLAB_OPTION(double, lr);
  NNLAB_OPTION(double, alpha) = 0.99;
  NNLAB_OPTION(double, eps) = 1e-8;
  NNLAB_OPTION(double, weight_decay) = 0;
  NNLAB_OPTION(double, momentum) = 0;
  NNLAB_OPTION(bool, centered) = false;

 public:
  void validate() const;  // throws ConfigError naming the option and its accepted range
  nlohmann::json to_json() const;
  static RMSpropOptions from_json(const nlohmann::json& j);
};

class RMSprop : public detail::OptimizerWithOptions<RMSpropOptions> {
 public:
  RMSprop(const std::vector<Tensor>& params, const RMSpropOptions& options = RMSpropOptions());
  RMSprop(const std::vector<ParamGroup>& groups, const RMSpropOptions& defaults = RMSpropOptions());

  std::string_view name() const override { return "rmsprop"; }
  bool has_momentum() const override { return true; }
  double momentum(size_t group) const override { return options(group).momentum(); }
  void set_momentum(size_t group, double momentum) override;

 protected:
  std::span<const std::string_view> buffer_names() const override;
  void init_state(Slot& slot) const override;
  void update(Slot& slot, const float* grad) override;
};

}  // namespace nnlab::optim
