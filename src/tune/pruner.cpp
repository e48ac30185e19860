#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/tune/pruner.h"

namespace nnlab::tune {

std::unique_ptr<Pruner> make_pruner(std::string_view name, const PrunerOptions& options) {
  if (name == "none") return nullptr;
  if (name == "median") {
    if (options.median.startup_trials < 0 || options.median.warmup_steps < 0 || options.median.interval_steps < 1)
      throw ConfigError("median pruner: startup trials and warmup steps must be ≥ 0, the interval ≥ 1");
    return std::make_unique<MedianPruner>(options.median);
  }
  if (name == "asha") {
    if (options.asha.min_resource < 1 || options.asha.reduction_factor < 2 || options.asha.min_early_stopping_rate < 0)
      throw ConfigError("asha pruner: the minimum resource must be ≥ 1 and the reduction factor ≥ 2");
    return std::make_unique<AshaPruner>(options.asha);
  }
  throw ConfigError(fmt::format("unknown pruner '{}' (accepted: none, median, asha)", name));
}

}  // namespace nnlab::tune
