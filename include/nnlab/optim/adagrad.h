// Adagrad (Duchi, Hazan & Singer 2011): per-element steps lr_t·g/(√Σg² + ε), with PyTorch's
// learning-rate decay lr_t = lr / (1 + (t−1)·lr_decay) and the sum starting at
// initial_accumulator_value. Weight decay is coupled L2 (g ← g + λp).
#pragma once

#include "nnlab/optim/optimizer.h"

namespace nnlab::optim {

struct AdagradOptions {
  explicit AdagradOptions(double lr = 1e-2) : lr_(lr) {}
  NNLAB_OPTION(double, lr);
  NNLAB_OPTION(double, lr_decay) = 0;
  NNLAB_OPTION(double, weight_decay) = 0;
  NNLAB_OPTION(double, initial_accumulator_value) = 0;
  NNLAB_OPTION(double, eps) = 1e-10;

 public:
  void validate() const;  // throws ConfigError naming the option and its accepted range
  nlohmann::json to_json() const;
  static AdagradOptions from_json(const nlohmann::json& j);
};

class Adagrad : public detail::OptimizerWithOptions<AdagradOptions> {
 public:
  Adagrad(const std::vector<Tensor>& params, const AdagradOptions& options = AdagradOptions());
  Adagrad(const std::vector<ParamGroup>& groups, const AdagradOptions& defaults = AdagradOptions());

  std::string_view name() const override { return "adagrad"; }

 protected:
  std::span<const std::string_view> buffer_names() const override;
  void init_state(Slot& slot) const override;
  void update(Slot& slot, const float* grad) override;
};

}  // namespace nnlab::optim
