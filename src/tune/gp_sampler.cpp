// GP-based Bayesian optimisation: after a few random trials, fit a Gaussian process to the
// complete trials (Matérn-5/2 ARD, hyperparameters by maximum marginal likelihood) and
// propose the point of largest expected improvement, found by multi-start local search.
// Values spread over orders of magnitude are modelled through a log warp (see propose).
//
// Encoding (the warping of the issue): each numeric parameter is one coordinate in [0, 1],
// linear in log(v) for log parameters; an int covers [low − ½step, high + ½step] so each
// integer owns an equal cell, and is rounded when decoded. A categorical parameter is a
// one-hot block. A parameter that does not exist in a trial is imputed (0.5, or an all-zero
// block): the simple scheme that Lévesque et al. ("Bayesian optimization for conditional
// hyperparameter spaces", IJCNN 2017) found competitive.
#include <algorithm>
#include <cmath>

#include "nnlab/tune/sampler.h"
#include "tune/expected_improvement.h"
#include "tune/gaussian_process.h"
#include "tune/lbfgs.h"
#include "tune/random_util.h"

namespace nnlab::tune {

namespace {

using Eigen::VectorXd;

struct Slot {
  const ParamSpec* spec;
  int offset;
  int width;        // 1 for numeric, the number of choices for categorical
  double lo, hi;    // internal coordinate range mapped to [0, 1] (numeric)
};

class Encoding {
 public:
  explicit Encoding(const SearchSpace& space) : space_(space) {
    int offset = 0;
    for (auto& spec : space.params()) {
      Slot s{&spec, offset, spec.is_numeric() ? 1 : static_cast<int>(spec.choices.size()), spec.internal_low(),
             spec.internal_high()};
      if (spec.is_numeric() && (spec.type == ParamType::Int || spec.step > 0)) {
        if (spec.log) {  // log ints: step 1, low ≥ 1
          s.lo = std::log(spec.low - 0.5);
          s.hi = std::log(spec.high + 0.5);
        } else {
          s.lo -= spec.step / 2;
          s.hi += spec.step / 2;
        }
      }
      offset += s.width;
      slots_.push_back(s);
    }
    dims_ = offset;
  }

  int dims() const { return dims_; }
  const std::vector<Slot>& slots() const { return slots_; }

  VectorXd encode(const Params& params) const {
    VectorXd x = VectorXd::Zero(dims_);
    for (auto& s : slots_) {
      auto it = params.find(s.spec->name);
      if (s.spec->is_numeric())
        x[s.offset] = it == params.end() ? 0.5 : (s.spec->to_internal(it->second) - s.lo) / (s.hi - s.lo);
      else if (it != params.end())
        x[s.offset + static_cast<int>(s.spec->choice_index(it->second))] = 1;
    }
    return x;
  }

  Params decode(const VectorXd& x) const {
    Params params;
    for (auto& s : slots_) {
      if (!space_.is_active(*s.spec, params)) continue;
      if (s.spec->is_numeric()) {
        params[s.spec->name] = s.spec->from_internal(s.lo + std::clamp(x[s.offset], 0.0, 1.0) * (s.hi - s.lo));
      } else {
        Eigen::Index best;
        x.segment(s.offset, s.width).maxCoeff(&best);
        params[s.spec->name] = s.spec->choices[static_cast<size_t>(best)];
      }
    }
    return params;
  }

  // x with the coordinates of parameters that do not exist at x set as encode() sets
  // them, so that the GP sees a candidate the way it sees the history; `inactive` marks them.
  VectorXd canonical(const VectorXd& x, std::vector<bool>* inactive = nullptr) const {
    Params decoded = decode(x);
    VectorXd c = x;
    if (inactive) inactive->assign(static_cast<size_t>(dims_), false);
    for (auto& s : slots_) {
      if (decoded.count(s.spec->name)) continue;
      c.segment(s.offset, s.width).setConstant(s.spec->is_numeric() ? 0.5 : 0.0);
      if (inactive)
        for (int i = 0; i < s.width; ++i) (*inactive)[static_cast<size_t>(s.offset + i)] = true;
    }
    return c;
  }

  VectorXd random_point(Generator& rng) const {
    VectorXd x(dims_);
    for (auto& s : slots_) {
      if (s.spec->is_numeric()) {
        x[s.offset] = rng.uniform_double();
      } else {
        x.segment(s.offset, s.width).setZero();
        x[s.offset + static_cast<int>(rng.below(static_cast<uint64_t>(s.width)))] = 1;
      }
    }
    return x;
  }

 private:
  const SearchSpace& space_;
  std::vector<Slot> slots_;
  int dims_ = 0;
};

struct Acquisition {
  const Encoding& enc;
  const gp::GaussianProcess& gp;
  double best;

  double value(const VectorXd& x) const { return log_expected_improvement(gp, enc.canonical(x), best); }

  // Local search from x: projected L-BFGS on the numeric coordinates with the categorical
  // ones fixed, then each categorical parameter set to its best choice; repeated while it helps.
  VectorXd refine(VectorXd x, double& fx) const {
    std::vector<int> numeric;
    for (auto& s : enc.slots())
      if (s.spec->is_numeric()) numeric.push_back(s.offset);
    fx = value(x);
    for (int round = 0; round < 3; ++round) {
      double before = fx;
      if (!numeric.empty()) {
        VectorXd lo = VectorXd::Zero(static_cast<Eigen::Index>(numeric.size()));
        VectorXd hi = VectorXd::Ones(static_cast<Eigen::Index>(numeric.size()));
        VectorXd z0(static_cast<Eigen::Index>(numeric.size()));
        for (size_t i = 0; i < numeric.size(); ++i) z0[static_cast<Eigen::Index>(i)] = x[numeric[i]];
        auto f = [&](const VectorXd& z, VectorXd& g) {
          VectorXd full = x;
          for (size_t i = 0; i < numeric.size(); ++i) full[numeric[i]] = z[static_cast<Eigen::Index>(i)];
          std::vector<bool> inactive;
          VectorXd c = enc.canonical(full, &inactive);
          VectorXd grad;
          double v = log_expected_improvement(gp, c, best, &grad);
          g.resize(z.size());
          for (size_t i = 0; i < numeric.size(); ++i)
            g[static_cast<Eigen::Index>(i)] = inactive[static_cast<size_t>(numeric[i])] ? 0.0 : -grad[numeric[i]];
          return -v;
        };
        LbfgsOptions opt;
        opt.max_iterations = 60;
        LbfgsResult r = minimize_in_box(f, z0, lo, hi, opt);
        if (-r.value > fx) {
          for (size_t i = 0; i < numeric.size(); ++i) x[numeric[i]] = r.x[static_cast<Eigen::Index>(i)];
          fx = -r.value;
        }
      }
      for (auto& s : enc.slots()) {
        if (s.spec->is_numeric()) continue;
        for (int c = 0; c < s.width; ++c) {
          VectorXd y = x;
          y.segment(s.offset, s.width).setZero();
          y[s.offset + c] = 1;
          double fy = value(y);
          if (fy > fx) {
            x = y;
            fx = fy;
          }
        }
      }
      if (fx <= before + 1e-9) break;
    }
    return x;
  }
};

}  // namespace

std::optional<Proposal> GpSampler::propose(const SamplingContext& ctx) {
  std::vector<const FrozenTrial*> complete, pending;
  for (auto& t : ctx.trials) {
    if (t.state == TrialState::Complete && t.value && std::isfinite(*t.value)) complete.push_back(&t);
    else if (t.state == TrialState::Running && !t.params.empty()) pending.push_back(&t);
  }
  if (complete.size() < static_cast<size_t>(std::max(options_.startup_trials, 2)))
    return Proposal{sample_randomly(ctx.space, ctx.rng), ""};

  Encoding enc(ctx.space);
  const Eigen::Index n = static_cast<Eigen::Index>(complete.size());
  Eigen::MatrixXd X(n, enc.dims());
  VectorXd y(n);
  double sign = ctx.direction == Direction::Minimize ? 1.0 : -1.0;  // the GP minimises
  for (Eigen::Index i = 0; i < n; ++i) {
    X.row(i) = enc.encode(complete[static_cast<size_t>(i)]->params).transpose();
    y[i] = sign * *complete[static_cast<size_t>(i)]->value;
  }
  // Output warping (Snelson, Rasmussen and Ghahramani, "Warped Gaussian processes", NeurIPS
  // 2003): values spread over orders of magnitude (Rosenbrock's 0.1 to 10^6) make the GP
  // spend its fit on the worst points; log(1 + (y − min)/(median − min)) compresses them.
  // The GP models the warped values when they make the observations far likelier: by more
  // than kWarpEvidence nats of marginal likelihood plus the warp's log Jacobian.
  std::vector<double> sorted(y.data(), y.data() + n);
  std::nth_element(sorted.begin(), sorted.begin() + n / 2, sorted.end());
  const double lowest = y.minCoeff(), spread = std::max(sorted[static_cast<size_t>(n / 2)] - lowest, 1e-12);
  std::vector<VectorXd> warm;
  if (!last_hyper_.empty()) warm.push_back(Eigen::Map<VectorXd>(last_hyper_.data(), static_cast<Eigen::Index>(last_hyper_.size())));
  // The warped fit draws from its own stream, so that the rest of the proposal draws the
  // same numbers whichever model wins.
  Generator warp_rng(Generator::mix(ctx.rng.seed(), 0x77617270));
  VectorXd standardised = y;
  // 5 nats: below it, branin (values 0.4 to 300) sometimes took the warp and its 40-trial
  // optimum came out a little worse; Rosenbrock's tail wins by far more.
  constexpr double kWarpEvidence = 5;
  double identity_evidence = 0;
  gp::Kernel kernel;
  for (bool warp : {false, true}) {
    VectorXd z = warp ? VectorXd((1 + (y.array() - lowest) / spread).log()) : y;
    double log_jacobian = warp ? -(spread + (y.array() - lowest)).log().sum() : 0.0;
    double mean = z.mean();
    double sd = std::sqrt((z.array() - mean).square().sum() / static_cast<double>(n));
    if (!(sd > 1e-12)) sd = 1;
    z = (z.array() - mean) / sd;
    log_jacobian -= static_cast<double>(n) * std::log(sd);
    gp::Kernel k = gp::fit_kernel(X, z, warp ? warp_rng : ctx.rng, warm);
    double evidence = gp::log_marginal_likelihood(X, z, k.theta(), nullptr, false) + log_jacobian;
    if (!warp) {
      identity_evidence = evidence;
      kernel = k;
      standardised = z;
    } else if (evidence > identity_evidence + kWarpEvidence || !std::isfinite(identity_evidence)) {
      kernel = k;
      standardised = z;
    }
  }
  y = standardised;
  VectorXd theta = kernel.theta();
  last_hyper_.assign(theta.data(), theta.data() + theta.size());

  // Trials other workers are running enter as if they had returned the GP's mean there
  // ("kriging believer", Ginsbourger et al. 2010): the mean is unchanged, the variance
  // there collapses, so EI looks elsewhere.
  std::optional<gp::GaussianProcess> model;
  try {
    model.emplace(X, y, kernel);
    if (!pending.empty()) {
      Eigen::MatrixXd Xa = X;
      VectorXd ya = y;
      Xa.conservativeResize(n + static_cast<Eigen::Index>(pending.size()), Eigen::NoChange);
      ya.conservativeResize(Xa.rows());
      for (size_t i = 0; i < pending.size(); ++i) {
        VectorXd xp = enc.encode(pending[i]->params);
        double m, v;
        model->predict(xp, m, v);
        Xa.row(n + static_cast<Eigen::Index>(i)) = xp.transpose();
        ya[n + static_cast<Eigen::Index>(i)] = m;
      }
      model.emplace(Xa, ya, kernel);
    }
  } catch (const std::runtime_error&) {
    return Proposal{sample_randomly(ctx.space, ctx.rng), ""};  // degenerate history: explore
  }
  Acquisition acq{enc, *model, y.minCoeff()};

  // Starts: random points, and perturbations of the best observed points (EI's maximum
  // is often a small step from the incumbent).
  std::vector<std::pair<double, VectorXd>> scored;
  for (int i = 0; i < options_.raw_candidates; ++i) {
    VectorXd x = enc.random_point(ctx.rng);
    scored.emplace_back(acq.value(x), x);
  }
  std::vector<Eigen::Index> order(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return y[a] < y[b]; });
  for (size_t k = 0; k < std::min<size_t>(5, order.size()); ++k) {
    for (int j = 0; j < 40; ++j) {
      VectorXd x = X.row(order[k]).transpose();
      for (auto& s : enc.slots())
        if (s.spec->is_numeric()) x[s.offset] = std::clamp(x[s.offset] + 0.05 * standard_normal(ctx.rng), 0.0, 1.0);
      scored.emplace_back(acq.value(x), x);
    }
  }
  std::partial_sort(scored.begin(), scored.begin() + std::min<long>(options_.local_starts, static_cast<long>(scored.size())),
                    scored.end(), [](auto& a, auto& b) { return a.first > b.first; });
  VectorXd best_x = scored.front().second;
  double best_value = scored.front().first;
  for (int i = 0; i < std::min<int>(options_.local_starts, static_cast<int>(scored.size())); ++i) {
    double fx;
    VectorXd x = acq.refine(scored[static_cast<size_t>(i)].second, fx);
    if (fx > best_value) {
      best_value = fx;
      best_x = x;
    }
  }
  Params params = enc.decode(best_x);
  // Rounding can land on a point already evaluated (or being evaluated): a repeat teaches
  // the model nothing, so draw at random instead.
  for (auto& t : ctx.trials)
    if ((t.state == TrialState::Complete || t.state == TrialState::Running) && t.params == params)
      return Proposal{sample_randomly(ctx.space, ctx.rng), ""};
  return Proposal{std::move(params), ""};
}

}  // namespace nnlab::tune
