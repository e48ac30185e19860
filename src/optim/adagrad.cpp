#include "nnlab/optim/adagrad.h"

#include <cmath>

#include "backend/cpu/optimizer_kernels.h"
#include "optim/option_checks.h"

namespace nnlab::optim {

using detail::json_field;
using detail::require_option;

void AdagradOptions::validate() const {
  require_option(lr() >= 0, "adagrad", "lr", lr(), "a value >= 0");
  require_option(lr_decay() >= 0, "adagrad", "lr_decay", lr_decay(), "a value >= 0");
  require_option(weight_decay() >= 0, "adagrad", "weight_decay", weight_decay(), "a value >= 0");
  require_option(initial_accumulator_value() >= 0, "adagrad", "initial_accumulator_value",
                 initial_accumulator_value(), "a value >= 0");
  require_option(eps() >= 0, "adagrad", "eps", eps(), "a value >= 0");
}

nlohmann::json AdagradOptions::to_json() const {
  return {{"lr", lr()},
          {"lr_decay", lr_decay()},
          {"weight_decay", weight_decay()},
          {"initial_accumulator_value", initial_accumulator_value()},
          {"eps", eps()}};
}

AdagradOptions AdagradOptions::from_json(const nlohmann::json& j) {
  return AdagradOptions(json_field<double>(j, "lr", "adagrad"))
      .lr_decay(json_field<double>(j, "lr_decay", "adagrad"))
      .weight_decay(json_field<double>(j, "weight_decay", "adagrad"))
      .initial_accumulator_value(json_field<double>(j, "initial_accumulator_value", "adagrad"))
      .eps(json_field<double>(j, "eps", "adagrad"));
}

Adagrad::Adagrad(const std::vector<Tensor>& params, const AdagradOptions& options)
    : Adagrad({ParamGroup{params}}, options) {}

Adagrad::Adagrad(const std::vector<ParamGroup>& groups, const AdagradOptions& defaults)
    : OptimizerWithOptions(groups, defaults) {}

std::span<const std::string_view> Adagrad::buffer_names() const {
  static constexpr std::string_view names[] = {"sum"};
  return names;
}

void Adagrad::init_state(Slot& s) const {
  s.buffers[0] = Tensor::full(s.param.shape(), static_cast<float>(options_[s.group].initial_accumulator_value()));
}

void Adagrad::update(Slot& s, const float* g) {
  const AdagradOptions& o = options_[s.group];
  // PyTorch's decayed rate lr / (1 + (t − 1)·lr_decay), in double, rounded once to float.
  const float clr = static_cast<float>(o.lr() / (1 + static_cast<double>(s.step - 1) * o.lr_decay()));
  cpu::adagrad_update(clr, static_cast<float>(o.weight_decay()), static_cast<float>(o.eps()), s.param.data(), g,
                 s.buffers[0].data(), s.param.numel());
}

}  // namespace nnlab::optim
