#include "nnlab/optim/rmsprop.h"

#include <cmath>

#include "backend/cpu/optimizer_kernels.h"
#include "optim/option_checks.h"

namespace nnlab::optim {

using detail::json_field;
using detail::require_option;

void RMSpropOptions::validate() const {
  require_option(lr() >= 0, "rmsprop", "lr", lr(), "a value >= 0");
  require_option(alpha() >= 0 && alpha() <= 1, "rmsprop", "alpha", alpha(), "a value in [0, 1]");
  require_option(eps() >= 0, "rmsprop", "eps", eps(), "a value >= 0");
  require_option(weight_decay() >= 0, "rmsprop", "weight_decay", weight_decay(), "a value >= 0");
  require_option(momentum() >= 0, "rmsprop", "momentum", momentum(), "a value >= 0");
}

nlohmann::json RMSpropOptions::to_json() const {
  return {{"lr", lr()},           {"alpha", alpha()},         {"eps", eps()},
          {"weight_decay", weight_decay()}, {"momentum", momentum()}, {"centered", centered()}};
}

RMSpropOptions RMSpropOptions::from_json(const nlohmann::json& j) {
  return RMSpropOptions(json_field<double>(j, "lr", "rmsprop"))
      .alpha(json_field<double>(j, "alpha", "rmsprop"))
      .eps(json_field<double>(j, "eps", "rmsprop"))
      .weight_decay(json_field<double>(j, "weight_decay", "rmsprop"))
      .momentum(json_field<double>(j, "momentum", "rmsprop"))
      .centered(json_field<bool>(j, "centered", "rmsprop"));
}

RMSprop::RMSprop(const std::vector<Tensor>& params, const RMSpropOptions& options)
    : RMSprop({ParamGroup{params}}, options) {}

RMSprop::RMSprop(const std::vector<ParamGroup>& groups, const RMSpropOptions& defaults)
    : OptimizerWithOptions(groups, defaults) {}

void RMSprop::set_momentum(size_t group, double momentum) {
  RMSpropOptions o = options(group);
  o.momentum(momentum);
  set_options(group, o);
}

enum { kSquareAvg, kMomentumBuffer, kGradAvg };

std::span<const std::string_view> RMSprop::buffer_names() const {
  static constexpr std::string_view names[] = {"square_avg", "momentum_buffer", "grad_avg"};
  return names;
}

void RMSprop::init_state(Slot& s) const {
  const RMSpropOptions& o = options_[s.group];
  s.buffers[kSquareAvg] = Tensor::zeros(s.param.shape());
  if (o.momentum() > 0) s.buffers[kMomentumBuffer] = Tensor::zeros(s.param.shape());
  if (o.centered()) s.buffers[kGradAvg] = Tensor::zeros(s.param.shape());
}

void RMSprop::update(Slot& s, const float* g) {
  const RMSpropOptions& o = options_[s.group];
  const cpu::RMSpropScalars c{static_cast<float>(o.lr()),  static_cast<float>(o.alpha()),
                         static_cast<float>(1 - o.alpha()), static_cast<float>(o.eps()),
                         static_cast<float>(o.weight_decay()), static_cast<float>(o.momentum())};
  // Buffers for options switched on after the first step start at zero.
  if (o.momentum() > 0 && !s.buffers[kMomentumBuffer].defined())
    s.buffers[kMomentumBuffer] = Tensor::zeros(s.param.shape());
  if (o.centered() && !s.buffers[kGradAvg].defined()) s.buffers[kGradAvg] = Tensor::zeros(s.param.shape());
  float* p = s.param.data();
  float* sq = s.buffers[kSquareAvg].data();
  float* avg_g = o.centered() ? s.buffers[kGradAvg].data() : nullptr;
  float* buf = o.momentum() > 0 ? s.buffers[kMomentumBuffer].data() : nullptr;
  const int64_t n = s.param.numel();
  cpu::rmsprop_update(c, p, g, sq, avg_g, buf, n);
}

}  // namespace nnlab::optim
