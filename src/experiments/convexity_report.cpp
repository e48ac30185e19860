// convexity, the report: tolerances, verdicts and every sentence with a number in it are
// derived here from results.json (convexity.cpp writes it).
#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>

#include "experiments/json_util.h"
#include "experiments/registry.h"
#include "nnlab/report/format.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;
namespace rp = report;

std::string loss_title(const std::string& loss) {
  return loss == "ce" ? "softmax cross-entropy" : "MSE of the outputs against one-hot targets";
}

// What one configuration's numbers say, under the tolerance rule results.json states.
struct Verdict {
  double lambda_min = INFINITY, lambda_max = -INFINITY, ratio = NAN;  // over the points
  double noise = 0, tol_h = 0;                                        // largest product error; Hessian tolerance
  int negative_points = 0, points = 0;
  double tol_l = 0, max_gap = -INFINITY;  // loss tolerance; largest midpoint gap
  int random_violations = 0, random_tests = 0, equivalent_violations = 0, equivalent_tests = 0;
  bool convex() const { return negative_points == 0 && random_violations == 0 && equivalent_violations == 0; }
};

Verdict judge(const json& c, const json& rule) {
  Verdict v;
  for (const json& p : c.at("points")) v.noise = std::max(v.noise, number(p, "product_noise"));
  v.tol_h = number(rule, "hessian_noise_factor") * v.noise;
  for (const json& p : c.at("points")) {
    const double lo = number(p, "lambda_min"), hi = number(p, "lambda_max");
    v.lambda_min = std::min(v.lambda_min, lo);
    v.lambda_max = std::max(v.lambda_max, hi);
    ++v.points;
    if (lo < -v.tol_h) ++v.negative_points;
  }
  v.ratio = v.lambda_min / v.lambda_max;
  v.tol_l = std::max(number(rule, "loss_noise_factor") * number(c, "max_loss_noise"),
                     number(rule, "loss_ulps") * FLT_EPSILON * number(c, "max_abs_loss"));
  for (const char* family : {"random_segments", "equivalent_segments"}) {
    const bool random = std::string(family) == "random_segments";
    for (const json& s : c.at(family))
      for (const json& g : s.at("gaps")) {
        const double gap = number(g);
        v.max_gap = std::max(v.max_gap, gap);
        (random ? v.random_tests : v.equivalent_tests) += 1;
        if (gap > v.tol_l) (random ? v.random_violations : v.equivalent_violations) += 1;
      }
  }
  return v;
}

std::string verdict_text(const Verdict& v) { return v.convex() ? "convex (within tolerance)" : "not convex"; }

// The evidence behind a verdict, in one clause.
std::string evidence(const Verdict& v) {
  if (v.convex())
    return fmt::format("smallest eigenvalue {} ≥ -{} at all {} points, no midpoint gap above {} in {} tests",
                       rp::significant(v.lambda_min, 3), rp::significant(v.tol_h, 2), v.points,
                       rp::significant(v.tol_l, 2), v.random_tests + v.equivalent_tests);
  std::vector<std::string> parts;
  if (v.negative_points > 0)
    parts.push_back(fmt::format("λ_min = {} (λ_min/λ_max = {}) below -{} at {} of {} points",
                                rp::significant(v.lambda_min, 3), rp::significant(v.ratio, 2),
                                rp::significant(v.tol_h, 2), v.negative_points, v.points));
  if (v.random_violations + v.equivalent_violations > 0)
    parts.push_back(fmt::format("{} of {} midpoint tests violated (largest gap {} > {})",
                                v.random_violations + v.equivalent_violations, v.random_tests + v.equivalent_tests,
                                rp::significant(v.max_gap, 3), rp::significant(v.tol_l, 2)));
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string config_label(const json& c) {
  return c.at("model").get<std::string>() + " " + c.at("loss").get<std::string>();
}

void render_findings(const json& configs, const std::vector<Verdict>& verdicts, rp::Markdown& md) {
  std::vector<std::string> lines;
  for (const std::string loss : {"ce", "mse"}) {
    std::vector<std::string> yes, no;
    for (size_t i = 0; i < configs.size(); ++i) {
      if (configs[i].at("loss") != loss) continue;
      (verdicts[i].convex() ? yes : no).push_back(configs[i].at("model").get<std::string>());
    }
    lines.push_back(fmt::format("{}: convex in the parameters for {}; not convex for {}.", loss_title(loss),
                                yes.empty() ? "no model" : fmt::format("{}", fmt::join(yes, ", ")),
                                no.empty() ? "no model" : fmt::format("{}", fmt::join(no, ", "))));
  }
  for (size_t i = 0; i < configs.size(); ++i)
    lines.push_back(fmt::format("{}, {}: {}: {}.", configs[i].at("description").get<std::string>(),
                                configs[i].at("loss").get<std::string>(), verdict_text(verdicts[i]),
                                evidence(verdicts[i])));
  md.heading(2, "Findings").bullets(lines);
  // The course question: linear in the input does not make the loss convex in the parameters.
  for (size_t i = 0; i < configs.size(); ++i) {
    const std::string model = configs[i].at("model").get<std::string>();
    if (model.rfind("linear-", 0) == 0 && !verdicts[i].convex()) {
      md.paragraph(fmt::format(
          "The stacked linear network {} computes a linear function of its input, yet its {} is not convex in its "
          "parameters: {}. The output is a product of weight matrices, W₂W₁x, and a product is not convex in its "
          "factors: θ = (W₁, W₂) and -θ compute the same function, while their midpoint, 0, computes the zero "
          "function.",
          model, configs[i].at("loss").get<std::string>(), evidence(verdicts[i])));
      break;
    }
  }
}

void render_validation(const json& configs, rp::Markdown& md) {
  rp::Table t{{"loss", "parameters", "exact λ_min", "Lanczos λ_min", "exact λ_max", "Lanczos λ_max", "Lanczos steps"},
              {rp::Align::Left, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right,
               rp::Align::Right, rp::Align::Right},
              {}};
  std::vector<std::string> lines;
  for (const json& c : configs) {
    if (!c.contains("validation")) continue;
    const json& v = c.at("validation");
    t.rows.push_back(
        {c.at("loss").get<std::string>(), std::to_string(v.at("parameters").get<int>()),
         rp::significant(number(v, "exact_lambda_min"), 4), rp::significant(number(v, "lanczos_lambda_min"), 4),
         rp::significant(number(v, "exact_lambda_max"), 5), rp::significant(number(v, "lanczos_lambda_max"), 5),
         std::to_string(v.at("lanczos_steps").get<int>())});
    const double scale = number(v, "exact_lambda_max");
    lines.push_back(fmt::format(
        "{}: Lanczos's extreme eigenvalues differ from the exact ones by {} (smallest) and {} (largest), relative to "
        "λ_max {} and {}; the measured product error at that point was {}.",
        c.at("loss").get<std::string>(),
        rp::significant(std::fabs(number(v, "lanczos_lambda_min") - number(v, "exact_lambda_min")), 2),
        rp::significant(std::fabs(number(v, "lanczos_lambda_max") - scale), 2),
        rp::significant(std::fabs(number(v, "lanczos_lambda_min") - number(v, "exact_lambda_min")) / scale, 2),
        rp::significant(std::fabs(number(v, "lanczos_lambda_max") - scale) / scale, 2),
        rp::significant(number(v, "product_noise"), 2)));
  }
  md.heading(2, "Validation against the exact Hessian");
  md.paragraph(
      "For one linear layer the Hessian is known in closed form: for MSE it is the constant (2 / NK) I_K ⊗ X̃ᵀX̃ "
      "(X̃ the inputs with a column of ones), for softmax cross-entropy (1/N) Σ (diag(p) - ppᵀ) ⊗ x̃x̃ᵀ, which is "
      "singular (adding one vector to every row of [W b] leaves the softmax unchanged), so its exact λ_min is 0 up to "
      "rounding. Its eigenvalues (Eigen's symmetric eigensolver) against Lanczos run to the full dimension on the "
      "finite-difference products, at a random point:");
  md.table(t);
  md.bullets(lines);
}

void render_tables(const json& configs, const std::vector<Verdict>& verdicts, rp::Markdown& md) {
  rp::Table h{
      {"model", "loss", "parameters", "λ_min", "λ_max", "λ_min / λ_max", "product error", "τ_H", "points below -τ_H"},
      {rp::Align::Left, rp::Align::Left, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right,
       rp::Align::Right, rp::Align::Right, rp::Align::Right},
      {}};
  rp::Table m{
      {"model", "loss", "random segments violated", "equivalent segments violated", "largest gap", "τ_L", "verdict"},
      {rp::Align::Left, rp::Align::Left, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right,
       rp::Align::Left},
      {}};
  for (size_t i = 0; i < configs.size(); ++i) {
    const json& c = configs[i];
    const Verdict& v = verdicts[i];
    const std::string model = c.at("model").get<std::string>(), loss = c.at("loss").get<std::string>();
    h.rows.push_back({model, loss, std::to_string(c.at("parameters").get<int>()), rp::significant(v.lambda_min, 3),
                      rp::significant(v.lambda_max, 3), rp::significant(v.ratio, 3), rp::significant(v.noise, 2),
                      rp::significant(v.tol_h, 2), fmt::format("{} of {}", v.negative_points, v.points)});
    m.rows.push_back({model, loss, fmt::format("{} of {}", v.random_violations, v.random_tests),
                      fmt::format("{} of {}", v.equivalent_violations, v.equivalent_tests),
                      rp::significant(v.max_gap, 3), rp::significant(v.tol_l, 2), verdict_text(v)});
  }
  md.heading(2, "Hessian eigenvalues at random points");
  md.paragraph(
      "λ_min and λ_max: the smallest and largest Ritz values over the points. Product error: the largest measured "
      "‖H_ε u - H_ε/2 u‖ over random unit vectors u (halving the step changes a product by about its own error). "
      "Lanczos's Ritz values lie inside the spectrum, so a Ritz value below -τ_H is a negative eigenvalue beyond the "
      "measurement's error and proves the loss not convex there; a smallest Ritz value above it is evidence, not "
      "proof, of convexity at that point.");
  md.table(h);
  std::vector<std::string> coarse;
  for (size_t i = 0; i < configs.size(); ++i)
    if (verdicts[i].noise > 0.01 * verdicts[i].lambda_max) coarse.push_back(config_label(configs[i]));
  if (!coarse.empty())
    md.paragraph(fmt::format(
        "For {} the product error exceeds 1 % of λ_max: the gradient is not smooth there (ReLU's derivative jumps "
        "where a unit switches on or off, and a central difference that straddles a switch sees the jump), so only "
        "eigenvalues beyond its larger τ_H count; the midpoint tests do not depend on it.",
        fmt::join(coarse, ", ")));
  md.heading(2, "Midpoint convexity");
  md.paragraph(
      "A convex L satisfies L(t·a + (1-t)·b) ≤ t·L(a) + (1-t)·L(b); each test measures the gap (left minus right) at "
      "t = 0.25, 0.5 and 0.75 and counts a violation when it exceeds τ_L. Random segments join two fresh "
      "initialisations; equivalent segments join a trained point (full-batch Adam) to an equivalent one: the same "
      "network with its first hidden layer's units permuted, which computes the same function, or, for the one-layer "
      "model, the point trained from another seed.");
  md.table(m);
}

rp::Figure ratio_figure(const json& configs, const std::vector<Verdict>& verdicts) {
  rp::Figure f;
  f.title = "Smallest Hessian eigenvalue relative to the largest, per model and loss";
  f.x.label = "model and loss";
  f.y.label = "min over points of lambda_min / max lambda_max";
  f.legend = "off";
  rp::Series bars{"", {}, {}, rp::SeriesStyle::Bars, "#1f77b4"};
  for (size_t i = 0; i < configs.size(); ++i) {
    bars.x.push_back(static_cast<double>(i));
    bars.y.push_back(verdicts[i].ratio);
    f.x.ticks.emplace_back(static_cast<double>(i), config_label(configs[i]));
  }
  f.series.push_back(bars);
  return f;
}

rp::Figure segment_figure(const json& configs, const std::string& loss) {
  static const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"};
  rp::Figure f;
  f.title = fmt::format("Loss along the segment between equivalent trained points ({})", loss);
  f.x.label = "t (0: trained point, 1: its equivalent)";
  f.y.label = fmt::format("training loss ({}, log scale)", loss);
  f.y.log = true;
  f.legend = "outside right top vertical";
  size_t k = 0;
  for (const json& c : configs) {
    if (c.at("loss") != loss || c.at("equivalent_segments").empty()) continue;
    const json& seg = c.at("equivalent_segments").at(0);
    if (!seg.contains("curve")) continue;
    f.series.push_back({c.at("model").get<std::string>(), numbers(seg.at("curve").at("t")),
                        numbers(seg.at("curve").at("loss")), rp::SeriesStyle::LinesPoints, colors[k++ % 5]});
  }
  return f;
}

}  // namespace

void render_convexity(const json& results, rp::Document& doc) {
  const json& configs = results.at("configs");
  const json& rule = results.at("tolerance_rule");
  const json& data = results.at("data");
  const json& s = results.at("settings");
  std::vector<Verdict> verdicts;
  for (const json& c : configs) verdicts.push_back(judge(c, rule));

  auto& md = doc.md();
  md.heading(1, "Is the loss convex in the parameters?");
  md.paragraph(fmt::format(
      "Classifiers with two outputs on {} ({} training examples, {} features, {}), with softmax cross-entropy and with "
      "the MSE of the outputs against one-hot targets: one linear layer, two and three stacked linear layers (all "
      "activations linear), and one hidden layer of ReLU or tanh. Convexity in the parameters θ is probed two ways. "
      "(1) The extreme eigenvalues of the Hessian at {} random points (fresh PyTorch-default initialisations), by {} "
      "Lanczos steps with full reorthogonalisation on Hessian-vector products. nnlab's autograd has no double "
      "backward, so H·v is the central difference of exact float32 gradients, (∇L(θ + εv) - ∇L(θ - εv)) / 2ε with "
      "ε = {} · max(1, ‖θ‖) and ‖v‖ = 1. (2) Midpoint convexity along {} random segments and {} between "
      "equivalent trained points ({} full-batch Adam steps each).",
      data.at("name").get<std::string>(), data.at("examples").get<int64_t>(), data.at("features").get<int64_t>(),
      data.at("standardisation").get<std::string>(), s.at("points").get<int>(), s.at("lanczos_steps").get<int>(),
      rp::significant(number(s, "relative_step")), s.at("random_segments").get<int>(), s.at("trained_pairs").get<int>(),
      s.at("train_steps").get<int>()));
  md.paragraph(fmt::format(
      "Tolerances, from the measured noise: an eigenvalue counts as negative below -τ_H with τ_H = {} × the largest "
      "measured product error at that model's points; a midpoint gap counts as a violation above τ_L = max({} × the "
      "largest difference between the loss computed with the examples in two orders, {} float32 ulps of the largest "
      "loss value). A model and loss are called convex (within tolerance) when no point and no segment shows "
      "otherwise.",
      number(rule, "hessian_noise_factor"), number(rule, "loss_noise_factor"), number(rule, "loss_ulps")));
  render_findings(configs, verdicts, md);
  render_tables(configs, verdicts, md);
  doc.figure(ratio_figure(configs, verdicts), "eigenvalue-ratio.png",
             "Negative bars: the Hessian has a negative eigenvalue at some point (compare with τ_H in the table).");
  doc.figure(segment_figure(configs, "ce"), "segments-ce.png");
  doc.figure(segment_figure(configs, "mse"), "segments-mse.png",
             "Both ends of each curve compute the same function (or, for one linear layer, two minima of a convex "
             "loss); a curve that rises above its ends in between violates convexity.");
  render_validation(configs, md);
}

}  // namespace nnlab::experiments
