// Adam (Kingma & Ba 2015) with bias-corrected moments, optionally AMSGrad (Reddi et al.
// 2018: the denominator uses the running maximum of the second moment), and AdamW
// (Loshchilov & Hutter 2019: weight decay p ← p·(1 − lr·λ) decoupled from the moments).
// Weight decay is coupled L2 (g ← g + λp) unless decoupled_weight_decay is set.
#pragma once

#include <utility>

#include "nnlab/optim/optimizer.h"

namespace nnlab::optim {

using Betas = std::pair<double, double>;

struct AdamOptions {
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
  NNLAB_OPTION(double, lr);
  NNLAB_OPTION(Betas, betas) = {0.9, 0.999};
  NNLAB_OPTION(double, eps) = 1e-8;
  NNLAB_OPTION(double, weight_decay) = 0;
  NNLAB_OPTION(bool, amsgrad) = false;
  NNLAB_OPTION(bool, decoupled_weight_decay) = false;

 public:
  void validate() const;  // throws ConfigError naming the option and its accepted range
  nlohmann::json to_json() const;
  static AdamOptions from_json(const nlohmann::json& j);
};

// PyTorch's AdamW defaults: weight decay 0.01, decoupled.
struct AdamWOptions : AdamOptions {
  explicit AdamWOptions(double lr = 1e-3) : AdamOptions(lr) {
    weight_decay(1e-2);
    decoupled_weight_decay(true);
  }
};

class Adam : public detail::OptimizerWithOptions<AdamOptions> {
 public:
  Adam(const std::vector<Tensor>& params, const AdamOptions& options = AdamOptions());
  Adam(const std::vector<ParamGroup>& groups, const AdamOptions& defaults = AdamOptions());

  std::string_view name() const override { return "adam"; }
  bool has_momentum() const override { return true; }
  double momentum(size_t group) const override { return options(group).betas().first; }  // beta1
  void set_momentum(size_t group, double beta1) override;

 protected:
  std::span<const std::string_view> buffer_names() const override;
  void init_state(Slot& slot) const override;
  void update(Slot& slot, const float* grad) override;
};

// Adam whose groups start with decoupled weight decay (the options' flag is switched on);
// its state is saved and loaded as "adamw".
class AdamW : public Adam {
 public:
  AdamW(const std::vector<Tensor>& params, const AdamOptions& options = AdamWOptions());
  AdamW(const std::vector<ParamGroup>& groups, const AdamOptions& defaults = AdamWOptions());

  std::string_view name() const override { return "adamw"; }
};

}  // namespace nnlab::optim
