// ce-vs-mse, the measurement: logistic regression trained with binary cross-entropy and
// with the squared error of the sigmoid output, from the same initialisation, with the same
// batches, optimizer and learning rate, on two problems, five seeds each; the gradient with
// respect to the logit measured by autograd; and a start where every prediction is
// confidently wrong. The report (ce_vs_mse_report.cpp) is computed from what this returns.
#include <fmt/format.h>

#include "experiments/binary_problem.h"
#include "experiments/logistic.h"
#include "experiments/registry.h"
#include "nnlab/generator.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;

constexpr int kSeeds = 5;
constexpr double kSaturatedMedianLogit = 10;  // p = σ(−10) ≈ 4.5e-5 on the right class: confidently wrong

struct Settings {
  int64_t iterations = 0, batch_size = 0, eval_every = 1, dense_until = 0;
  double lr_sgd = 0, lr_adam = 0;
};

// The budgets: full batch on breast-cancer (455 training rows); minibatches of 64 on the
// 12000 images of the Fashion-MNIST pair, measured densely at first where the curves move.
// Learning rates, shared by both losses: SGD 0.1 on breast-cancer, inside cross-entropy's
// stability bound 2/λ_max, where λ_max ≤ ¼ λ_max(X̃ᵀX̃/N) = ¼ · 13.5 (13.5 is the convexity
// experiment's one-layer MSE Hessian, (2/NK) X̃ᵀX̃ with K = 2), so the bound is about 0.59;
// SGD 0.01 on the pair's 784 pixels; Adam at its common 1e-2 and 1e-3.
Settings settings_for(const std::string& problem, bool quick) {
  if (problem == "breast-cancer") return {quick ? 60 : 300, 0, 1, 0, 0.1, 0.01};
  return {quick ? 150 : 1500, 64, quick ? 5 : 10, quick ? 30 : 100, 0.01, 0.001};
}

json curve_json(const Curve& c) {
  return {{"iteration", c.iteration},
          {"loss", c.loss},
          {"train_accuracy", c.train_accuracy},
          {"test_accuracy", c.test_accuracy}};
}

json run_json(const LogisticRun& r) {
  return {{"curve", curve_json(r.curve)},
          {"final_train_accuracy", r.final_train.accuracy},
          {"final_test_accuracy", r.final_test.accuracy},
          {"final_train_ce", r.final_train.ce},
          {"final_train_mse", r.final_train.mse}};
}

RunOptions run_options(const Settings& s, BinaryLoss loss, const std::string& optimizer, uint64_t seed) {
  RunOptions o;
  o.loss = loss;
  o.optimizer = optimizer;
  o.lr = optimizer == "sgd" ? s.lr_sgd : s.lr_adam;
  o.iterations = s.iterations;
  o.batch_size = s.batch_size;
  o.eval_every = s.eval_every;
  o.dense_until = s.dense_until;
  o.seed = seed;
  return o;
}

// Both losses from one initialisation; returns {"ce": ..., "mse": ...} and the CE run's weights.
json race(const BinaryProblem& p, const Settings& s, const LogisticParams& init, const std::string& optimizer,
          uint64_t seed, LogisticParams* ce_final = nullptr) {
  json out;
  for (BinaryLoss loss : {BinaryLoss::CrossEntropy, BinaryLoss::MseOnSigmoid}) {
    LogisticRun r = train_logistic(p, init, run_options(s, loss, optimizer, seed));
    out[binary_loss_name(loss)] = run_json(r);
    if (loss == BinaryLoss::CrossEntropy && ce_final) *ce_final = r.final;
  }
  return out;
}

json logit_gradient_json(const BinaryProblem& p, const LogisticParams& reference, bool quick) {
  const int examples = quick ? 8 : 25, levels = 20;
  std::vector<LogitGradient> g = measure_logit_gradients(p, reference, examples, levels);
  json points = json::array();
  double err_ce = 0, err_mse = 0;
  for (const LogitGradient& x : g) {
    points.push_back({{"p", x.p}, {"ce", x.ce}, {"mse", x.mse}});
    err_ce = std::max(err_ce, std::fabs(x.ce - analytic_ce_gradient(x.p)));
    err_mse = std::max(err_mse, std::fabs(x.mse - analytic_mse_gradient(x.p)));
  }
  return {{"examples", g.size() / levels},
          {"levels", levels},
          {"reference",
           "the final weights of the first seed's cross-entropy run with Adam, scaled per example and target logit"},
          {"points", points},
          {"max_abs_error", {{"ce", err_ce}, {"mse", err_mse}}}};
}

json saturated_json(const BinaryProblem& p, const Settings& s, uint64_t seed) {
  const LogisticParams init = saturated_init(p, kSaturatedMedianLogit);
  const Fit start = evaluate(p.x_train, p.y_train, init);
  json out{{"median_abs_logit", kSaturatedMedianLogit},
           {"initial_train_accuracy", start.accuracy},
           {"initial_confidently_wrong", start.confidently_wrong},
           {"initial_gradient_norm",
            {{"ce", gradient_norm(p, init, BinaryLoss::CrossEntropy)},
             {"mse", gradient_norm(p, init, BinaryLoss::MseOnSigmoid)}}},
           {"runs", json::object()}};
  for (const std::string opt : {"sgd", "adam"}) out["runs"][opt] = race(p, s, init, opt, seed);
  return out;
}

json measure_problem(const BinaryProblem& p, const ExperimentOptions& options, ExperimentObserver& observer) {
  const Settings s = settings_for(p.name, options.quick);
  json out{{"name", p.name},
           {"source", p.source},
           {"standardisation", p.standardisation},
           {"negative", p.negative},
           {"positive", p.positive},
           {"features", p.features()},
           {"train_size", p.train_size()},
           {"test_size", p.test_size()},
           {"iterations", s.iterations},
           {"batch_size", s.batch_size > 0 ? s.batch_size : p.train_size()},
           {"eval_every", s.eval_every},
           {"dense_until", s.dense_until},
           {"lr", {{"sgd", s.lr_sgd}, {"adam", s.lr_adam}}},
           {"seeds", json::array()}};
  LogisticParams reference;
  for (int k = 0; k < kSeeds; ++k) {
    const uint64_t seed = Generator::mix(options.seed, static_cast<uint64_t>(k));
    const LogisticParams init = default_init(p.features(), seed);
    json entry{{"seed", seed}};
    for (const std::string opt : {"sgd", "adam"}) {
      observer.on_message(
          fmt::format("ce-vs-mse: {}, seed {}/{}, {}: cross-entropy and squared error", p.name, k + 1, kSeeds, opt));
      entry[opt] = race(p, s, init, opt, seed, k == 0 && opt == "adam" ? &reference : nullptr);
    }
    out["seeds"].push_back(entry);
  }
  observer.on_message(fmt::format("ce-vs-mse: {}: dL/dz by autograd on positive examples", p.name));
  out["logit_gradient"] = logit_gradient_json(p, reference, options.quick);
  observer.on_message(fmt::format("ce-vs-mse: {}: the saturated start", p.name));
  out["saturated"] = saturated_json(p, s, Generator::mix(options.seed, 0));
  return out;
}

}  // namespace

json measure_ce_vs_mse(const ExperimentOptions& options, ExperimentObserver& observer) {
  json results{{"problems", json::array()}};
  observer.on_message("ce-vs-mse: loading breast-cancer");
  results["problems"].push_back(measure_problem(load_breast_cancer(options.data_dir), options, observer));
  observer.on_message("ce-vs-mse: loading the Fashion-MNIST pair T-shirt/top vs Shirt");
  const BinaryProblem pair = load_fashion_pair(options.data_dir, options.quick ? 2000 : 0, options.seed);
  results["problems"].push_back(measure_problem(pair, options, observer));
  results["seeds"] = kSeeds;
  return results;
}

}  // namespace nnlab::experiments
