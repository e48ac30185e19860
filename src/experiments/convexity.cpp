// convexity, the measurement: is a classifier's loss convex in its parameters? For each
// model and loss on breast-cancer (30 standardised features, two classes, two outputs):
//   - the extreme Hessian eigenvalues by Lanczos on finite-difference Hessian-vector
//     products at random points (fresh initialisations), with the products' noise;
//   - midpoint-convexity gaps along segments between random points, and along segments
//     between a trained point and an equivalent one (its hidden units permuted: the same
//     function; for the one-layer model, a point trained from another seed);
//   - for the one-layer model, the exact Hessian in closed form, to validate the probes.
// The verdicts and tolerances are derived from these numbers in convexity_report.cpp.
#include <fmt/format.h>

#include <cmath>
#include <numeric>

#include "experiments/binary_problem.h"
#include "experiments/linear_hessian.h"
#include "experiments/module_loss.h"
#include "experiments/registry.h"
#include "nnlab/error.h"
#include "nnlab/ops/loss.h"
#include "nnlab/optim/make_optimizer.h"
#include "nnlab/zoo/zoo.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;

struct ModelSpec {
  std::string name, description;
  std::vector<int64_t> hidden;
  std::string activation;
};

const std::vector<ModelSpec>& model_specs() {
  static const std::vector<ModelSpec> specs{
      {"linear", "one linear layer, 30 → 2", {}, "identity"},
      {"linear-2", "two stacked linear layers, 30 → 8 → 2", {8}, "identity"},
      {"linear-3", "three stacked linear layers, 30 → 8 → 8 → 2", {8, 8}, "identity"},
      {"relu", "a ReLU hidden layer, 30 → 8 → ReLU → 2", {8}, "relu"},
      {"tanh", "a tanh hidden layer, 30 → 8 → tanh → 2", {8}, "tanh"},
  };
  return specs;
}

struct Settings {
  int points, lanczos_steps, noise_directions, random_segments, trained_pairs, train_steps;
};

Settings settings_for(bool quick) {
  if (quick) return {2, 30, 2, 8, 1, 150};
  return {10, 100, 4, 60, 3, 500};
}

// The Hessian-vector step: ε = 1e-2 · max(1, ‖θ‖) along a unit vector. Float32 gradients put
// a rounding error ∝ 1/ε into H·v and the third derivative a truncation error ∝ ε²; at this
// step both stay below 1e-3 of the largest eigenvalue on the validated one-layer model
// (tests/experiments/hessian_test.cpp).
constexpr double kRelativeStep = 1e-2;
// Midpoint tests at these fractions of each segment.
constexpr double kFractions[] = {0.25, 0.5, 0.75};
constexpr int kCurvePoints = 21;

std::shared_ptr<nn::Module> build_model(const ModelSpec& spec, int64_t features, uint64_t seed) {
  zoo::ModelOptions o;
  o.name = spec.hidden.empty() ? "logreg" : "mlp";
  o.input = {features};
  o.classes = 2;
  o.hidden = spec.hidden;
  o.activations = {spec.activation};
  o.seed = seed;
  return zoo::build(o);
}

double norm(const std::vector<double>& v) { return std::sqrt(std::inner_product(v.begin(), v.end(), v.begin(), 0.0)); }

std::vector<double> mix(const std::vector<double>& a, const std::vector<double>& b, double t) {  // t·a + (1−t)·b
  std::vector<double> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) out[i] = t * a[i] + (1 - t) * b[i];
  return out;
}

std::vector<double> unit_vector(size_t n, Generator& rng) {
  std::vector<double> v(n);
  for (double& x : v) x = rng.normal();
  const double s = norm(v);
  for (double& x : v) x /= s;
  return v;
}

// The same network with the units of its first hidden layer reordered by perm: rows of
// the first weight and bias, columns of the next weight. It computes the same function.
std::vector<double> permute_hidden_units(const std::vector<double>& theta, const std::vector<Shape>& shapes,
                                         const std::vector<int64_t>& perm) {
  const int64_t h = shapes[0][0], f = shapes[0][1], out = shapes[2][0];
  std::vector<double> p = theta;
  const int64_t b1 = h * f, w2 = b1 + h;
  for (int64_t i = 0; i < h; ++i) {
    const int64_t src = perm[static_cast<size_t>(i)];
    for (int64_t j = 0; j < f; ++j) p[static_cast<size_t>(i * f + j)] = theta[static_cast<size_t>(src * f + j)];
    p[static_cast<size_t>(b1 + i)] = theta[static_cast<size_t>(b1 + src)];
    for (int64_t r = 0; r < out; ++r)
      p[static_cast<size_t>(w2 + r * h + i)] = theta[static_cast<size_t>(w2 + r * h + src)];
  }
  return p;
}

std::vector<int64_t> random_permutation(int64_t n, Generator& rng) {  // never the identity (n ≥ 2)
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  bool identity = true;
  while (identity) {
    rng.shuffle(std::span<int64_t>(perm));
    for (int64_t i = 0; i < n; ++i) identity = identity && perm[static_cast<size_t>(i)] == i;
  }
  return perm;
}

// Full-batch Adam (lr 0.01) from the model's initialisation: a point near a minimum.
std::vector<double> trained_point(const ModelSpec& spec, const Tensor& x, const std::vector<int32_t>& labels,
                                  LossKind kind, uint64_t seed, int steps) {
  auto model = build_model(spec, x.size(1), seed);
  optim::OptimizerConfig oc;
  oc.name = "adam";
  oc.lr = 0.01;
  auto opt = optim::make_optimizer({optim::ParamGroup{model->parameters()}}, oc);
  const Tensor targets = one_hot(labels, 2);
  for (int s = 0; s < steps; ++s) {
    Tensor out = (*model)(x);
    Tensor loss = kind == LossKind::CrossEntropy ? cross_entropy(out, labels) : mse_loss(out, targets);
    opt->zero_grad();
    loss.backward();
    opt->step();
  }
  return flatten_parameters(*model);
}

// One configuration's probes. `loss` and `shuffled` compute the same loss with the
// examples in two orders: their difference samples the float32 rounding of a loss value.
class Probe {
 public:
  Probe(const ModelSpec& spec, LossKind kind, const Tensor& x, const std::vector<int32_t>& labels, const Tensor& xs,
        const std::vector<int32_t>& ls)
      : spec_(spec),
        x_(x),
        loss_(build_model(spec, x.size(1), 0), x, labels, 2, kind),
        shuffled_(build_model(spec, x.size(1), 0), xs, ls, 2, kind) {}

  int64_t size() const { return loss_.size(); }
  std::vector<double> random_point(uint64_t seed) const {
    return flatten_parameters(*build_model(spec_, x_.size(1), seed));
  }
  std::vector<Shape> shapes() {
    std::vector<Shape> s;
    for (const Tensor& p : loss_.model().parameters()) s.push_back(p.shape());
    return s;
  }

  double value(const std::vector<double>& theta) {
    const double v = loss_.value(theta, {});
    max_loss_noise_ = std::max(max_loss_noise_, std::fabs(shuffled_.value(theta, {}) - v));
    max_abs_loss_ = std::max(max_abs_loss_, std::fabs(v));
    return v;
  }

  json hessian_at(const std::vector<double>& theta, const Settings& s, Generator& rng) {
    const double eps = kRelativeStep * std::max(1.0, norm(theta));
    LanczosResult lz = lanczos([&](std::span<const double> v) { return hessian_vector_product(loss_, theta, v, eps); },
                               size(), s.lanczos_steps, rng);
    // The products' error, sampled: halving the step changes H·u by about the error itself
    // (rounding grows as the step shrinks, truncation falls), so ‖H_ε u − H_{ε/2} u‖
    // estimates how far a measured product is from the true one.
    double noise = 0;
    for (int d = 0; d < s.noise_directions; ++d) {
      const std::vector<double> u = unit_vector(static_cast<size_t>(size()), rng);
      const std::vector<double> a = hessian_vector_product(loss_, theta, u, eps);
      const std::vector<double> b = hessian_vector_product(loss_, theta, u, eps / 2);
      double diff = 0;
      for (size_t i = 0; i < a.size(); ++i) diff += (a[i] - b[i]) * (a[i] - b[i]);
      noise = std::max(noise, std::sqrt(diff));
    }
    return {{"lambda_min", lz.min},   {"lambda_max", lz.max}, {"lanczos_steps", lz.steps}, {"step", eps},
            {"product_noise", noise}, {"loss", value(theta)}, {"theta_norm", norm(theta)}};
  }

  // Gaps L(t·a + (1−t)·b) − (t·L(a) + (1−t)·L(b)) at the test fractions; convexity needs ≤ 0.
  json segment(const std::vector<double>& a, const std::vector<double>& b) {
    const double la = value(a), lb = value(b);
    json gaps = json::array();
    for (double t : kFractions) gaps.push_back(value(mix(a, b, t)) - (t * la + (1 - t) * lb));
    return {{"loss_a", la}, {"loss_b", lb}, {"gaps", gaps}};
  }

  // The loss along the whole segment from a (t = 0) to b (t = 1), for the plot.
  json curve(const std::vector<double>& a, const std::vector<double>& b) {
    json t = json::array(), l = json::array();
    for (int i = 0; i < kCurvePoints; ++i) {
      const double s = static_cast<double>(i) / (kCurvePoints - 1);
      t.push_back(s);
      l.push_back(value(mix(b, a, s)));
    }
    return {{"t", t}, {"loss", l}};
  }

  double max_loss_noise() const { return max_loss_noise_; }
  double max_abs_loss() const { return max_abs_loss_; }

 private:
  const ModelSpec& spec_;
  const Tensor& x_;
  ModuleLoss loss_, shuffled_;
  double max_loss_noise_ = 0, max_abs_loss_ = 0;
};

// The one-layer model's exact Hessian against the probes, at a random point.
json validate_linear(Probe& probe, const Tensor& x, LossKind kind, const std::vector<double>& theta, Generator& rng) {
  const int64_t n = probe.size();
  const std::vector<double> exact =
      kind == LossKind::MeanSquared ? linear_mse_hessian(x, 2) : linear_ce_hessian(x, theta, 2);
  const std::vector<double> ev = symmetric_eigenvalues(exact, n);
  json h = probe.hessian_at(theta, {1, static_cast<int>(n), 1, 0, 0, 0}, rng);
  return {{"parameters", n},
          {"exact_lambda_min", ev.front()},
          {"exact_lambda_max", ev.back()},
          {"lanczos_lambda_min", h.at("lambda_min")},
          {"lanczos_lambda_max", h.at("lambda_max")},
          {"lanczos_steps", h.at("lanczos_steps")},
          {"product_noise", h.at("product_noise")}};
}

json measure_config(const ModelSpec& spec, LossKind kind, const Tensor& x, const std::vector<int32_t>& labels,
                    const Tensor& xs, const std::vector<int32_t>& ls, const Settings& s, uint64_t seed) {
  Probe probe(spec, kind, x, labels, xs, ls);
  Generator rng(Generator::mix(seed, 17));
  json out{{"model", spec.name},
           {"description", spec.description},
           {"loss", loss_name(kind)},
           {"parameters", probe.size()},
           {"points", json::array()},
           {"random_segments", json::array()},
           {"equivalent_segments", json::array()}};
  uint64_t next_seed = 1;
  auto point = [&] { return probe.random_point(Generator::mix(seed, next_seed++)); };
  for (int p = 0; p < s.points; ++p) out["points"].push_back(probe.hessian_at(point(), s, rng));
  for (int k = 0; k < s.random_segments; ++k) {
    std::vector<double> a = point(), b = point();
    out["random_segments"].push_back(probe.segment(a, b));
  }
  const std::vector<Shape> shapes = probe.shapes();
  for (int q = 0; q < s.trained_pairs; ++q) {
    const std::vector<double> a =
        trained_point(spec, x, labels, kind, Generator::mix(seed, next_seed++), s.train_steps);
    std::vector<double> b;
    std::string how;
    if (spec.hidden.empty()) {
      b = trained_point(spec, x, labels, kind, Generator::mix(seed, next_seed++), s.train_steps);
      how = "trained from another seed";
    } else {
      b = permute_hidden_units(a, shapes, random_permutation(spec.hidden[0], rng));
      how = "its first hidden layer's units permuted (the same function)";
    }
    json seg = probe.segment(a, b);
    seg["twin"] = how;
    if (q == 0) seg["curve"] = probe.curve(a, b);
    out["equivalent_segments"].push_back(seg);
  }
  if (spec.hidden.empty()) out["validation"] = validate_linear(probe, x, kind, point(), rng);
  out["max_loss_noise"] = probe.max_loss_noise();
  out["max_abs_loss"] = probe.max_abs_loss();
  return out;
}

}  // namespace

json measure_convexity(const ExperimentOptions& options, ExperimentObserver& observer) {
  const Settings s = settings_for(options.quick);
  observer.on_message("convexity: loading breast-cancer");
  const BinaryProblem data = load_breast_cancer(options.data_dir);
  const Tensor& x = data.x_train;
  std::vector<int32_t> labels(data.y_train.begin(), data.y_train.end());
  // The same examples in another order, to sample the loss's rounding.
  std::vector<int64_t> order(static_cast<size_t>(x.size(0)));
  std::iota(order.begin(), order.end(), 0);
  Generator shuffler(Generator::mix(options.seed, 99));
  shuffler.shuffle(std::span<int64_t>(order));
  Tensor xs = Tensor::empty(x.shape());
  std::vector<int32_t> ls(labels.size());
  const int64_t f = x.size(1);
  for (size_t i = 0; i < order.size(); ++i) {
    std::copy_n(x.data() + order[i] * f, f, xs.data() + static_cast<int64_t>(i) * f);
    ls[i] = labels[static_cast<size_t>(order[i])];
  }

  json results{{"data",
                {{"name", data.name},
                 {"source", data.source},
                 {"examples", x.size(0)},
                 {"features", f},
                 {"standardisation", data.standardisation}}},
               {"settings",
                {{"points", s.points},
                 {"lanczos_steps", s.lanczos_steps},
                 {"noise_directions", s.noise_directions},
                 {"random_segments", s.random_segments},
                 {"trained_pairs", s.trained_pairs},
                 {"train_steps", s.train_steps},
                 {"relative_step", kRelativeStep},
                 {"fractions", kFractions}}},
               // How the report turns noise into tolerances (convexity_report.cpp applies it).
               {"tolerance_rule", {{"hessian_noise_factor", 10}, {"loss_noise_factor", 10}, {"loss_ulps", 4}}},
               {"configs", json::array()}};
  for (const ModelSpec& spec : model_specs())
    for (LossKind kind : {LossKind::CrossEntropy, LossKind::MeanSquared}) {
      observer.on_message(fmt::format("convexity: {} with {}", spec.name, loss_name(kind)));
      results["configs"].push_back(measure_config(spec, kind, x, labels, xs, ls, s, options.seed));
    }
  return results;
}

}  // namespace nnlab::experiments
