#include "nnlab/optim/rmsprop.h"

#include <cmath>

#include "backend/cpu/elementwise.h"
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

namespace {

struct RMSpropScalars {
  float lr, alpha, one_minus_alpha, eps, wd, mu;
};

// One fused pass; the variants are template arguments so each loop is branch-free.
template <bool kCentered, bool kMomentum>
void rmsprop_kernel(const RMSpropScalars& c, float* p, const float* g, float* sq, float* avg_g, float* buf,
                    int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > cpu::kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] + c.wd * p[i];
    const float si = sq[i] * c.alpha + c.one_minus_alpha * gi * gi;
    sq[i] = si;
    float var = si;
    if constexpr (kCentered) {
      const float ai = avg_g[i] * c.alpha + c.one_minus_alpha * gi;
      avg_g[i] = ai;
      var = si - ai * ai;
    }
    const float denom = std::sqrt(var) + c.eps;
    if constexpr (kMomentum) {
      const float bi = buf[i] * c.mu + gi / denom;
      buf[i] = bi;
      p[i] = p[i] - c.lr * bi;
    } else {
      p[i] = p[i] + (-c.lr * gi) / denom;
    }
  }
}

}  // namespace

void RMSprop::update(Slot& s, const float* g) {
  const RMSpropOptions& o = options_[s.group];
  const RMSpropScalars c{static_cast<float>(o.lr()),  static_cast<float>(o.alpha()),
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
  if (o.centered() && o.momentum() > 0) return rmsprop_kernel<true, true>(c, p, g, sq, avg_g, buf, n);
  if (o.centered()) return rmsprop_kernel<true, false>(c, p, g, sq, avg_g, buf, n);
  if (o.momentum() > 0) return rmsprop_kernel<false, true>(c, p, g, sq, avg_g, buf, n);
  rmsprop_kernel<false, false>(c, p, g, sq, avg_g, buf, n);
}

}  // namespace nnlab::optim
