#include "nnlab/optim/adam.h"

#include <algorithm>
#include <cmath>

#include "backend/cpu/optimizer_kernels.h"
#include "optim/option_checks.h"

namespace nnlab::optim {

using detail::json_field;
using detail::require_option;

void AdamOptions::validate() const {
  require_option(lr() >= 0, "adam", "lr", lr(), "a value >= 0");
  require_option(betas().first >= 0 && betas().first < 1, "adam", "beta1", betas().first, "a value in [0, 1)");
  require_option(betas().second >= 0 && betas().second < 1, "adam", "beta2", betas().second, "a value in [0, 1)");
  require_option(eps() >= 0, "adam", "eps", eps(), "a value >= 0");
  require_option(weight_decay() >= 0, "adam", "weight_decay", weight_decay(), "a value >= 0");
}

nlohmann::json AdamOptions::to_json() const {
  return {{"lr", lr()},
          {"betas", {betas().first, betas().second}},
          {"eps", eps()},
          {"weight_decay", weight_decay()},
          {"amsgrad", amsgrad()},
          {"decoupled_weight_decay", decoupled_weight_decay()}};
}

AdamOptions AdamOptions::from_json(const nlohmann::json& j) {
  auto betas = json_field<std::vector<double>>(j, "betas", "adam");
  if (betas.size() != 2) throw ConfigError("adam state: key 'betas' must hold two numbers");
  return AdamOptions(json_field<double>(j, "lr", "adam"))
      .betas({betas[0], betas[1]})
      .eps(json_field<double>(j, "eps", "adam"))
      .weight_decay(json_field<double>(j, "weight_decay", "adam"))
      .amsgrad(json_field<bool>(j, "amsgrad", "adam"))
      .decoupled_weight_decay(json_field<bool>(j, "decoupled_weight_decay", "adam"));
}

Adam::Adam(const std::vector<Tensor>& params, const AdamOptions& options) : Adam({ParamGroup{params}}, options) {}

Adam::Adam(const std::vector<ParamGroup>& groups, const AdamOptions& defaults)
    : OptimizerWithOptions(groups, defaults) {}

AdamW::AdamW(const std::vector<Tensor>& params, const AdamOptions& options)
    : AdamW({ParamGroup{params}}, options) {}

AdamW::AdamW(const std::vector<ParamGroup>& groups, const AdamOptions& defaults)
    : Adam(groups, AdamOptions(defaults).decoupled_weight_decay(true)) {}

void Adam::set_momentum(size_t group, double beta1) {
  AdamOptions o = options(group);
  o.betas({beta1, o.betas().second});
  set_options(group, o);
}

enum { kExpAvg, kExpAvgSq, kMaxExpAvgSq };

std::span<const std::string_view> Adam::buffer_names() const {
  static constexpr std::string_view names[] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return names;
}

void Adam::init_state(Slot& s) const {
  s.buffers[kExpAvg] = Tensor::zeros(s.param.shape());
  s.buffers[kExpAvgSq] = Tensor::zeros(s.param.shape());
  if (options_[s.group].amsgrad()) s.buffers[kMaxExpAvgSq] = Tensor::zeros(s.param.shape());
}

void Adam::update(Slot& s, const float* g) {
  const AdamOptions& o = options_[s.group];
  const auto [beta1, beta2] = o.betas();
  // Bias corrections of the moment estimates (Kingma & Ba 2015, Algorithm 1), in double as
  // PyTorch computes them in Python, then rounded once to float for the kernel.
  const double step = static_cast<double>(s.step);
  const bool decoupled = o.decoupled_weight_decay();
  const cpu::AdamScalars c{static_cast<float>(beta1),
                      static_cast<float>(1 - beta1),
                      static_cast<float>(beta2),
                      static_cast<float>(1 - beta2),
                      static_cast<float>(o.lr() / (1 - std::pow(beta1, step))),
                      static_cast<float>(std::sqrt(1 - std::pow(beta2, step))),
                      static_cast<float>(o.eps()),
                      decoupled ? 0.0f : static_cast<float>(o.weight_decay()),
                      decoupled ? static_cast<float>(1.0 - o.lr() * o.weight_decay()) : 1.0f};
  float* p = s.param.data();
  float* m = s.buffers[kExpAvg].data();
  float* v = s.buffers[kExpAvgSq].data();
  if (!o.amsgrad()) return cpu::adam_update(c, p, g, m, v, nullptr, s.param.numel());
  if (!s.buffers[kMaxExpAvgSq].defined())  // amsgrad switched on after the first step
    s.buffers[kMaxExpAvgSq] = Tensor::zeros(s.param.shape());
  cpu::adam_update(c, p, g, m, v, s.buffers[kMaxExpAvgSq].data(), s.param.numel());
}

}  // namespace nnlab::optim
