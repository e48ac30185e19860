#include <fmt/format.h>

#include <cmath>

#include "nnlab/error.h"
#include "nnlab/tune/sampler.h"
#include "tune/random_util.h"

namespace nnlab::tune {

ParamValue sample_param_randomly(const ParamSpec& spec, Generator& rng) {
  if (spec.type == ParamType::Categorical) return spec.choices[rng.below(spec.choices.size())];
  if (spec.step > 0 && !spec.log) {
    // Every value of a stepped range equally likely: low + k * step, k uniform.
    auto n = static_cast<uint64_t>(std::llround((spec.high - spec.low) / spec.step)) + 1;
    return spec.from_internal(spec.low + static_cast<double>(rng.below(n)) * spec.step);
  }
  if (spec.type == ParamType::Int) {
    // Log-scaled ints: log-uniform over [low - 0.5, high + 0.5], so that each integer
    // keeps the share of the log range its rounding cell covers.
    // (A log int has low ≥ 1, so low - 0.5 > 0.)
    double v = std::exp(uniform(rng, std::log(spec.low - 0.5), std::log(spec.high + 0.5)));
    return spec.from_internal(std::log(std::clamp(v, spec.low, spec.high)));
  }
  return spec.from_internal(uniform(rng, spec.internal_low(), spec.internal_high()));
}

Params sample_randomly(const SearchSpace& space, Generator& rng) {
  Params params;
  for (auto& spec : space.params())
    if (space.is_active(spec, params)) params[spec.name] = sample_param_randomly(spec, rng);
  return params;
}

std::optional<Proposal> RandomSampler::propose(const SamplingContext& ctx) {
  return Proposal{sample_randomly(ctx.space, ctx.rng), ""};
}

std::unique_ptr<Sampler> make_sampler(std::string_view name, const SamplerOptions& options) {
  if (name == "random") return std::make_unique<RandomSampler>();
  if (name == "grid") return std::make_unique<GridSampler>();
  if (name == "tpe") {
    TpeOptions o;
    if (options.startup_trials >= 0) o.startup_trials = options.startup_trials;
    return std::make_unique<TpeSampler>(o);
  }
  if (name == "gp") {
    GpOptions o;
    if (options.startup_trials >= 0) o.startup_trials = options.startup_trials;
    return std::make_unique<GpSampler>(o);
  }
  throw ConfigError(fmt::format("unknown sampler '{}' (accepted: grid, random, tpe, gp)", name));
}

}  // namespace nnlab::tune
