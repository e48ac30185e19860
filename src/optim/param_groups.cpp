#include "nnlab/optim/param_groups.h"

namespace nnlab::optim {

bool exempt_from_weight_decay(const std::string& name, const Tensor& param) {
  constexpr std::string_view suffix = "bias";
  const bool bias = name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  return bias || param.dim() <= 1;
}

std::vector<ParamGroup> weight_decay_groups(const NamedTensors& named_params) {
  std::vector<ParamGroup> groups(2);
  groups[1].weight_decay = 0.0;
  for (const auto& [name, param] : named_params)
    groups[exempt_from_weight_decay(name, param) ? 1 : 0].params.push_back(param);
  return groups;
}

}  // namespace nnlab::optim
