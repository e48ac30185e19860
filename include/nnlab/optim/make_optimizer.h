// An optimizer from a name and the hyperparameters a command line or config file gives
// (`--optimizer adam --lr 3e-4 --weight-decay 0.05`).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/option_table.h"
#include "nnlab/optim/optimizer.h"

namespace nnlab::optim {

inline constexpr const char* kOptimizerNames = "sgd, adam, adamw, rmsprop, adagrad";

// Unset values take the optimizer's PyTorch default (SGD has no default lr). A value the
// named optimizer has no use for (momentum for adam) is a ConfigError, not silently ignored;
// which optimizer uses which option is the applies_to of its entry in table().
struct OptimizerConfig {
  std::string name = "sgd";
  std::optional<double> lr;
  std::optional<double> weight_decay;
  std::optional<double> momentum;  // sgd, rmsprop
  bool nesterov = false;           // sgd
  std::optional<double> beta1;     // adam, adamw
  std::optional<double> beta2;     // adam, adamw
  std::optional<double> eps;       // adam, adamw, rmsprop, adagrad

  // The keys: optimizer (the name), lr, momentum, nesterov, weight_decay, beta1, beta2, ...
  static const OptionTable<OptimizerConfig>& table();
};

// The config without the values its optimizer has no use for (a configuration that keeps
// momentum for whichever optimizer it names), so that make_optimizer accepts it.
OptimizerConfig applicable_options(OptimizerConfig config);

std::unique_ptr<Optimizer> make_optimizer(const std::vector<ParamGroup>& groups, const OptimizerConfig& config);

}  // namespace nnlab::optim
