#include "nnlab/optim/sgd.h"

#include "backend/cpu/optimizer_kernels.h"
#include "optim/option_checks.h"

namespace nnlab::optim {

using detail::json_field;
using detail::require_option;

void SGDOptions::validate() const {
  require_option(lr() >= 0, "sgd", "lr", lr(), "a value >= 0");
  require_option(momentum() >= 0, "sgd", "momentum", momentum(), "a value >= 0");
  require_option(dampening() >= 0 && dampening() <= 1, "sgd", "dampening", dampening(), "a value in [0, 1]");
  require_option(weight_decay() >= 0, "sgd", "weight_decay", weight_decay(), "a value >= 0");
  if (nesterov() && (momentum() <= 0 || dampening() != 0))
    throw ConfigError("sgd: nesterov needs momentum > 0 and dampening = 0");
}

nlohmann::json SGDOptions::to_json() const {
  return {{"lr", lr()},
          {"momentum", momentum()},
          {"dampening", dampening()},
          {"weight_decay", weight_decay()},
          {"nesterov", nesterov()},
          {"decoupled_weight_decay", decoupled_weight_decay()}};
}

SGDOptions SGDOptions::from_json(const nlohmann::json& j) {
  return SGDOptions(json_field<double>(j, "lr", "sgd"))
      .momentum(json_field<double>(j, "momentum", "sgd"))
      .dampening(json_field<double>(j, "dampening", "sgd"))
      .weight_decay(json_field<double>(j, "weight_decay", "sgd"))
      .nesterov(json_field<bool>(j, "nesterov", "sgd"))
      .decoupled_weight_decay(json_field<bool>(j, "decoupled_weight_decay", "sgd"));
}

SGD::SGD(const std::vector<Tensor>& params, const SGDOptions& options) : SGD({ParamGroup{params}}, options) {}

SGD::SGD(const std::vector<ParamGroup>& groups, const SGDOptions& defaults)
    : OptimizerWithOptions(groups, defaults) {}

void SGD::set_momentum(size_t group, double momentum) {
  SGDOptions o = options(group);
  o.momentum(momentum);
  set_options(group, o);
}

std::span<const std::string_view> SGD::buffer_names() const {
  static constexpr std::string_view names[] = {"momentum_buffer"};
  return names;
}

void SGD::update(Slot& s, const float* g) {
  const SGDOptions& o = options_[s.group];
  float* p = s.param.data();
  const int64_t n = s.param.numel();
  // Scalars are rounded to float once, as PyTorch passes them to its float kernels.
  const float lr = static_cast<float>(o.lr());
  const float wd = o.decoupled_weight_decay() ? 0.0f : static_cast<float>(o.weight_decay());
  const float shrink = o.decoupled_weight_decay() ? static_cast<float>(1.0 - o.lr() * o.weight_decay()) : 1.0f;
  cpu::SgdScalars c{lr, wd, shrink, 0.0f, 0.0f, 0.0f, o.nesterov()};
  if (o.momentum() == 0) return cpu::sgd_update(c, p, g, n);
  Tensor& buffer = s.buffers[0];
  // The first momentum step starts the buffer at the gradient itself (no dampening).
  const bool first = !buffer.defined();
  if (first) buffer = Tensor::zeros(s.param.shape());
  c.mu = static_cast<float>(o.momentum());
  c.keep = first ? 0.0f : c.mu;
  c.take = first ? 1.0f : static_cast<float>(1.0 - o.dampening());
  cpu::sgd_momentum_update(c, p, g, buffer.data(), n);
}

}  // namespace nnlab::optim
