// TPE: Bergstra, Bardenet, Bengio and Kégl, "Algorithms for Hyper-Parameter Optimization",
// NeurIPS 2011. The trials are split into the best γ fraction ("below") and the rest; each
// parameter gets a Parzen estimator l(x) of its values in the good trials and g(x) in the
// others, and the next value is, of n draws from l, the one maximising l(x)/g(x), which
// maximises expected improvement under that model (ibid., eq. 3-4). A parameter is modelled
// only from the trials where it exists: that is the "tree" of a conditional space.
#include <algorithm>
#include <cmath>

#include "nnlab/tune/sampler.h"
#include "tune/parzen_estimator.h"

namespace nnlab::tune {

namespace {

// γ: the good group is the best 10% of the history, at most 25 trials (Optuna's default).
size_t n_below(size_t n) { return std::clamp<size_t>(static_cast<size_t>(std::ceil(0.1 * n)), 1, 25); }

struct Split {
  std::vector<const FrozenTrial*> below, above;
};

// Complete trials ranked by value, then pruned ones (those that got further first, then by
// their last value). Running trials join the bad group ("constant liar"), so that
// concurrent workers steer away from points already being evaluated.
Split split_history(const SamplingContext& ctx) {
  double sign = ctx.direction == Direction::Minimize ? 1.0 : -1.0;
  std::vector<const FrozenTrial*> complete, pruned, running;
  for (auto& t : ctx.trials) {
    if (t.state == TrialState::Complete && t.value && std::isfinite(*t.value)) complete.push_back(&t);
    else if (t.state == TrialState::Pruned && !t.intermediate.empty()) pruned.push_back(&t);
    else if (t.state == TrialState::Running && !t.params.empty()) running.push_back(&t);
  }
  std::stable_sort(complete.begin(), complete.end(),
                   [&](auto* a, auto* b) { return sign * *a->value < sign * *b->value; });
  std::stable_sort(pruned.begin(), pruned.end(), [&](auto* a, auto* b) {
    if (a->intermediate.back().step != b->intermediate.back().step)
      return a->intermediate.back().step > b->intermediate.back().step;
    return sign * a->intermediate.back().value < sign * b->intermediate.back().value;
  });
  std::vector<const FrozenTrial*> ranked = complete;
  ranked.insert(ranked.end(), pruned.begin(), pruned.end());
  Split s;
  size_t k = std::min(n_below(ranked.size()), complete.size());
  s.below.assign(ranked.begin(), ranked.begin() + static_cast<long>(k));
  s.above.assign(ranked.begin() + static_cast<long>(k), ranked.end());
  s.above.insert(s.above.end(), running.begin(), running.end());
  auto by_number = [](auto* a, auto* b) { return a->number < b->number; };
  std::sort(s.below.begin(), s.below.end(), by_number);
  std::sort(s.above.begin(), s.above.end(), by_number);
  return s;
}

std::vector<double> internal_values(const ParamSpec& spec, const std::vector<const FrozenTrial*>& group) {
  std::vector<double> out;
  for (auto* t : group) {
    auto it = t->params.find(spec.name);
    if (it != t->params.end()) out.push_back(spec.to_internal(it->second));
  }
  return out;
}

bool is_discrete(const ParamSpec& spec) { return spec.type == ParamType::Int || spec.step > 0; }

// The internal-coordinate cell that rounds to value v of a discrete parameter.
std::pair<double, double> cell(const ParamSpec& spec, double v) {
  if (spec.log) return {std::log(v - 0.5), std::log(v + 0.5)};  // log ints (step 1, low ≥ 1)
  return {v - spec.step / 2, v + spec.step / 2};
}

ParamValue sample_numeric(const ParamSpec& spec, const Split& split, const TpeOptions& opt, Generator& rng) {
  std::vector<double> below = internal_values(spec, split.below), above = internal_values(spec, split.above);
  double low = spec.internal_low(), high = spec.internal_high();
  if (is_discrete(spec)) {
    auto [a, unused_hi] = cell(spec, spec.low);
    auto [unused_lo, b] = cell(spec, spec.high);
    low = a;
    high = b;
  }
  NumericParzen l(below, tpe_observation_weights(below.size()), low, high, opt.prior_weight);
  NumericParzen g(above, tpe_observation_weights(above.size()), low, high, opt.prior_weight);
  double best_x = 0, best_score = -INFINITY;
  for (int i = 0; i < opt.ei_candidates; ++i) {
    double x = l.sample(rng), score;
    if (is_discrete(spec)) {
      double v = spec.from_internal(x).get<double>();
      auto [a, b] = cell(spec, v);
      score = l.log_mass(a, b) - g.log_mass(a, b);
      x = spec.to_internal(v);
    } else {
      score = l.log_pdf(x) - g.log_pdf(x);
    }
    if (score > best_score) {
      best_score = score;
      best_x = x;
    }
  }
  return spec.from_internal(best_x);
}

ParamValue sample_categorical(const ParamSpec& spec, const Split& split, const TpeOptions& opt, Generator& rng) {
  auto indices = [&](const std::vector<const FrozenTrial*>& group) {
    std::vector<size_t> out;
    for (double x : internal_values(spec, group)) out.push_back(static_cast<size_t>(x));
    return out;
  };
  std::vector<size_t> below = indices(split.below), above = indices(split.above);
  CategoricalParzen l(below, tpe_observation_weights(below.size()), spec.choices.size(), opt.prior_weight);
  CategoricalParzen g(above, tpe_observation_weights(above.size()), spec.choices.size(), opt.prior_weight);
  size_t best = 0;
  double best_score = -INFINITY;
  for (int i = 0; i < opt.ei_candidates; ++i) {
    size_t c = l.sample(rng);
    double score = l.log_pmf(c) - g.log_pmf(c);
    if (score > best_score) {
      best_score = score;
      best = c;
    }
  }
  return spec.choices[best];
}

}  // namespace

std::optional<Proposal> TpeSampler::propose(const SamplingContext& ctx) {
  size_t complete = 0;
  for (auto& t : ctx.trials)
    if (t.state == TrialState::Complete && t.value && std::isfinite(*t.value)) ++complete;
  if (complete < static_cast<size_t>(std::max(options_.startup_trials, 1)))
    return Proposal{sample_randomly(ctx.space, ctx.rng), ""};
  Split split = split_history(ctx);
  Params params;
  for (auto& spec : ctx.space.params()) {
    if (!ctx.space.is_active(spec, params)) continue;
    params[spec.name] = spec.type == ParamType::Categorical ? sample_categorical(spec, split, options_, ctx.rng)
                                                            : sample_numeric(spec, split, options_, ctx.rng);
  }
  return Proposal{std::move(params), ""};
}

}  // namespace nnlab::tune
