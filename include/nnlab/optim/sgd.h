// Stochastic gradient descent with momentum (PyTorch's formulation: v ← μv + (1−τ)g,
// p ← p − lr·v, the buffer starting at the first gradient), Nesterov momentum (Sutskever et
// al. 2013, as PyTorch: p ← p − lr·(g + μv)), coupled L2 weight decay (g ← g + λp), or
// decoupled weight decay (SGDW, Loshchilov & Hutter 2019: p ← p·(1 − lr·λ) before the step).
#pragma once

#include "nnlab/optim/optimizer.h"

namespace nnlab::optim {

struct SGDOptions {
  explicit SGDOptions(double lr) : lr_(lr) {}
  NNLAB_OPTION(double, lr);
  NNLAB_OPTION(double, momentum) = 0;
  NNLAB_OPTION(double, dampening) = 0;
  NNLAB_OPTION(double, weight_decay) = 0;
  NNLAB_OPTION(bool, nesterov) = false;
  NNLAB_OPTION(bool, decoupled_weight_decay) = false;

 public:
  void validate() const;  // throws ConfigError naming the option and its accepted range
  nlohmann::json to_json() const;
  static SGDOptions from_json(const nlohmann::json& j);
};

class SGD : public detail::OptimizerWithOptions<SGDOptions> {
 public:
  SGD(const std::vector<Tensor>& params, const SGDOptions& options);
  SGD(const std::vector<ParamGroup>& groups, const SGDOptions& defaults);

  std::string_view name() const override { return "sgd"; }
  bool has_momentum() const override { return true; }
  double momentum(size_t group) const override { return options(group).momentum(); }
  void set_momentum(size_t group, double momentum) override;

 protected:
  std::span<const std::string_view> buffer_names() const override;
  void init_state(Slot&) const override {}  // the momentum buffer is made by the first momentum step
  void update(Slot& slot, const float* grad) override;
};

}  // namespace nnlab::optim
