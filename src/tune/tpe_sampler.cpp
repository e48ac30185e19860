// TPE: Bergstra, Bardenet, Bengio and Kégl, "Algorithms for Hyper-Parameter Optimization",
// NeurIPS 2011. The trials are split into the best γ fraction ("below") and the rest; a
// Parzen estimator l(x) models the parameters of the good trials and g(x) those of the
// others, and the next point is, of n draws from l, the one maximising l(x)/g(x), which
// maximises expected improvement under that model (ibid., eq. 3-4). The parameters every
// trial has are modelled jointly (multivariate TPE); a conditional parameter is modelled on
// its own, from the trials where it exists: that is the "tree" of a conditional space.
#include <algorithm>
#include <cmath>

#include "nnlab/tune/sampler.h"
#include "tune/parzen_estimator.h"

namespace nnlab::tune {

namespace {

struct Split {
  std::vector<const FrozenTrial*> below, above;
  // The weight of each good trial in l(x) (tpe_improvement_weights); all 1 when no
  // complete trial is left above to compare with.
  std::vector<double> below_weight;
};

// Complete trials ranked by value, then pruned ones (those that got further first, then by
// their last value). Running trials join the bad group ("constant liar"), so that
// concurrent workers steer away from points already being evaluated.
Split split_history(const SamplingContext& ctx, double gamma) {
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
  size_t k = std::min(tpe_below_count(ranked.size(), gamma), complete.size());
  s.below.assign(ranked.begin(), ranked.begin() + static_cast<long>(k));
  s.above.assign(ranked.begin() + static_cast<long>(k), ranked.end());
  s.above.insert(s.above.end(), running.begin(), running.end());
  auto by_number = [](auto* a, auto* b) { return a->number < b->number; };
  std::sort(s.below.begin(), s.below.end(), by_number);
  std::sort(s.above.begin(), s.above.end(), by_number);
  s.below_weight.assign(s.below.size(), 1.0);
  if (k < complete.size()) {
    std::vector<double> losses;
    for (auto* t : s.below) losses.push_back(sign * *t->value);
    s.below_weight = tpe_improvement_weights(losses, sign * *complete[k]->value);  // the best loss above
  }
  return s;
}

// What a Parzen estimator of one group is built from: the trials that have every modelled
// parameter, their internal coordinates, and their weights.
struct Observations {
  std::vector<std::vector<double>> points;
  std::vector<double> weights;
  double prior_weight = 1;
};

// Good trials weigh their improvement and the prior as much as their mean, so that the
// prior keeps the share it has with equal weights; bad ones weigh by age (Optuna's ramp).
Observations observe(const std::vector<const ParamSpec*>& specs, const Split& split, bool good, double prior_weight) {
  Observations o;
  const std::vector<const FrozenTrial*>& group = good ? split.below : split.above;
  std::vector<double> kept_weight;
  for (size_t i = 0; i < group.size(); ++i) {
    std::vector<double> x;
    for (auto* spec : specs) {
      auto it = group[i]->params.find(spec->name);
      if (it == group[i]->params.end()) break;
      x.push_back(spec->to_internal(it->second));
    }
    if (x.size() != specs.size()) continue;
    o.points.push_back(std::move(x));
    if (good) kept_weight.push_back(split.below_weight[i]);
  }
  if (!good) {
    o.weights = tpe_observation_weights(o.points.size());
    o.prior_weight = prior_weight;
    return o;
  }
  o.weights = kept_weight;
  double mean = 0;
  for (double w : kept_weight) mean += w / static_cast<double>(kept_weight.size());
  o.prior_weight = prior_weight * (kept_weight.empty() ? 1.0 : mean);
  return o;
}

std::vector<double> column(const Observations& o) {
  std::vector<double> out;
  for (auto& p : o.points) out.push_back(p[0]);
  return out;
}

bool is_discrete(const ParamSpec& spec) { return spec.type == ParamType::Int || spec.step > 0; }

// The internal-coordinate cell that rounds to value v of a discrete parameter.
std::pair<double, double> cell(const ParamSpec& spec, double v) {
  if (spec.log) return {std::log(v - 0.5), std::log(v + 0.5)};  // log ints (step 1, low ≥ 1)
  return {v - spec.step / 2, v + spec.step / 2};
}

ParamValue sample_numeric(const ParamSpec& spec, const Split& split, const TpeOptions& opt, Generator& rng) {
  Observations below = observe({&spec}, split, true, opt.prior_weight);
  Observations above = observe({&spec}, split, false, opt.prior_weight);
  double low = spec.internal_low(), high = spec.internal_high();
  if (is_discrete(spec)) {
    auto [a, unused_hi] = cell(spec, spec.low);
    auto [unused_lo, b] = cell(spec, spec.high);
    low = a;
    high = b;
  }
  NumericParzen l(column(below), below.weights, low, high, below.prior_weight);
  NumericParzen g(column(above), above.weights, low, high, above.prior_weight);
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
  auto indices = [](const Observations& o) {
    std::vector<size_t> out;
    for (auto& p : o.points) out.push_back(static_cast<size_t>(p[0]));
    return out;
  };
  Observations below = observe({&spec}, split, true, opt.prior_weight);
  Observations above = observe({&spec}, split, false, opt.prior_weight);
  CategoricalParzen l(indices(below), below.weights, spec.choices.size(), below.prior_weight);
  CategoricalParzen g(indices(above), above.weights, spec.choices.size(), above.prior_weight);
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

// The axis of a parameter in the joint model. Log ints are continuous in log(v), as in the
// univariate model's cells they would be uneven; stepped values tile [low − ½step, high + ½step].
ParzenAxis axis_of(const ParamSpec& spec) {
  if (spec.type == ParamType::Categorical) return {0, 1, 0, spec.choices.size()};
  if (!is_discrete(spec)) return {spec.internal_low(), spec.internal_high(), 0, 0};
  auto [low, unused_hi] = cell(spec, spec.low);
  auto [unused_lo, high] = cell(spec, spec.high);
  return {low, high, spec.log ? 0.0 : spec.step, 0};
}

// Multivariate TPE over the parameters that exist in every trial (those without a
// condition): candidates drawn from the joint l(x), scored by l(x)/g(x) as a whole.
Params sample_jointly(const SearchSpace& space, const Split& split, const TpeOptions& opt, Generator& rng) {
  std::vector<const ParamSpec*> specs;
  std::vector<ParzenAxis> axes;
  for (auto& spec : space.params())
    if (!spec.condition) {
      specs.push_back(&spec);
      axes.push_back(axis_of(spec));
    }
  if (specs.empty()) return {};
  Observations below = observe(specs, split, true, opt.prior_weight);
  Observations above = observe(specs, split, false, opt.prior_weight);
  MultivariateParzen l(below.points, below.weights, axes, below.prior_weight);
  MultivariateParzen g(above.points, above.weights, axes, above.prior_weight);
  std::vector<double> best_x;
  double best_score = -INFINITY;
  for (int i = 0; i < opt.ei_candidates; ++i) {
    std::vector<double> x = l.sample(rng);
    // A log int is scored at the integer it rounds to, where its observations sit.
    for (size_t a = 0; a < specs.size(); ++a)
      if (specs[a]->is_numeric() && is_discrete(*specs[a])) x[a] = specs[a]->to_internal(specs[a]->from_internal(x[a]));
    double score = l.log_pdf(x) - g.log_pdf(x);
    if (best_x.empty() || score > best_score) {
      best_score = score;
      best_x = std::move(x);
    }
  }
  Params params;
  for (size_t a = 0; a < specs.size(); ++a) params[specs[a]->name] = specs[a]->from_internal(best_x[a]);
  return params;
}

}  // namespace

std::optional<Proposal> TpeSampler::propose(const SamplingContext& ctx) {
  size_t complete = 0;
  for (auto& t : ctx.trials)
    if (t.state == TrialState::Complete && t.value && std::isfinite(*t.value)) ++complete;
  if (complete < static_cast<size_t>(std::max(options_.startup_trials, 1)))
    return Proposal{sample_randomly(ctx.space, ctx.rng), ""};
  Split split = split_history(ctx, options_.gamma);
  Params params;
  if (options_.multivariate) params = sample_jointly(ctx.space, split, options_, ctx.rng);
  for (auto& spec : ctx.space.params()) {
    if (params.count(spec.name) || !ctx.space.is_active(spec, params)) continue;
    params[spec.name] = spec.type == ParamType::Categorical ? sample_categorical(spec, split, options_, ctx.rng)
                                                            : sample_numeric(spec, split, options_, ctx.rng);
  }
  return Proposal{std::move(params), ""};
}

}  // namespace nnlab::tune
