// ce-vs-mse, the report: every sentence with a number or a comparison in it is computed
// here from results.json (ce_vs_mse.cpp writes it).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "experiments/json_util.h"
#include "experiments/logistic.h"
#include "experiments/registry.h"
#include "experiments/stats.h"
#include "nnlab/report/format.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;
namespace rp = report;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* kColors[2][2] = {{"#1f77b4", "#ff7f0e"}, {"#2ca02c", "#d62728"}};  // [sgd|adam][ce|mse]

std::string loss_title(const std::string& loss) { return loss == "ce" ? "cross-entropy" : "squared error"; }
std::string opt_title(const std::string& opt) { return opt == "sgd" ? "SGD" : "Adam"; }

// Iterations at which a run's training accuracy first reaches `target` (NaN: never).
double iterations_to(const json& run, double target) {
  const std::vector<double> acc = numbers(run.at("curve").at("train_accuracy"));
  const std::vector<double> it = numbers(run.at("curve").at("iteration"));
  auto i = first_reaching(acc, target);
  return i ? it[static_cast<size_t>(*i)] : kNaN;
}

// The bar both losses race to: a fraction of the better of their two final training
// accuracies on the same seed, so neither is judged against a lower bar of its own.
double race_target(const json& pair, double fraction) {
  return fraction *
         std::max(number(pair.at("ce"), "final_train_accuracy"), number(pair.at("mse"), "final_train_accuracy"));
}

struct LossStats {
  std::vector<double> reach[2];  // iterations to 90 % and 95 % (reached seeds only)
  int missed[2] = {0, 0};
  std::vector<double> train_accuracy, test_accuracy;
};

LossStats loss_stats(const json& problem, const std::string& opt, const std::string& loss) {
  LossStats s;
  for (const json& seed : problem.at("seeds")) {
    const json& pair = seed.at(opt);
    for (int k = 0; k < 2; ++k) {
      const double it = iterations_to(pair.at(loss), race_target(pair, k == 0 ? 0.90 : 0.95));
      if (std::isfinite(it))
        s.reach[k].push_back(it);
      else
        ++s.missed[k];
    }
    s.train_accuracy.push_back(number(pair.at(loss), "final_train_accuracy"));
    s.test_accuracy.push_back(number(pair.at(loss), "final_test_accuracy"));
  }
  return s;
}

std::string reach_cell(const LossStats& s, int k) {
  Summary m = summarize(s.reach[k]);
  std::string cell = rp::mean_std(m.mean, m.std, 1);
  if (s.missed[k] > 0) cell += fmt::format(" (not reached in {} of {})", s.missed[k], s.missed[k] + m.count);
  return cell;
}

// "MSE needed 3.2× as many iterations as CE to reach 90 % (12.4 vs 3.9)".
std::string race_sentence(const LossStats& ce, const LossStats& mse, int k, int64_t budget) {
  const int pct = k == 0 ? 90 : 95;
  const Summary c = summarize(ce.reach[k]), m = summarize(mse.reach[k]);
  if (m.count == 0 && c.count == 0) return fmt::format("neither loss reached {} % within {} iterations", pct, budget);
  if (m.count == 0)
    return fmt::format("MSE never reached {} % within {} iterations, CE after {} iterations on average", pct, budget,
                       rp::fixed(c.mean, 1));
  if (c.count == 0)
    return fmt::format("CE never reached {} % within {} iterations, MSE after {} iterations on average", pct, budget,
                       rp::fixed(m.mean, 1));
  std::string missed;
  if (mse.missed[k] > 0 || ce.missed[k] > 0)
    missed = fmt::format(" (means over the seeds that reached it: {} CE, {} MSE)", c.count, m.count);
  // Within 10 % of each other: no winner worth a ratio.
  if (std::max(c.mean, m.mean) < 1.1 * std::min(c.mean, m.mean))
    return fmt::format("CE and MSE needed about as many iterations to reach {} % ({} vs {}){}", pct,
                       rp::fixed(c.mean, 1), rp::fixed(m.mean, 1), missed);
  if (c.mean == 0 || m.mean == 0)  // one starts above the bar: a ratio would divide by zero
    return fmt::format("CE needed {} and MSE {} iterations on average to reach {} %{}", rp::fixed(c.mean, 1),
                       rp::fixed(m.mean, 1), pct, missed);
  if (m.mean > c.mean)
    return fmt::format("MSE needed {} as many iterations as CE to reach {} % ({} vs {}){}", rp::ratio(m.mean / c.mean),
                       pct, rp::fixed(m.mean, 1), rp::fixed(c.mean, 1), missed);
  return fmt::format("CE needed {} as many iterations as MSE to reach {} % ({} vs {}){}", rp::ratio(c.mean / m.mean),
                     pct, rp::fixed(c.mean, 1), rp::fixed(m.mean, 1), missed);
}

rp::Figure curves_figure(const std::string& title, const json& by_opt, const std::string& metric,
                         const std::string& ylabel, bool log, bool log_x = false) {
  rp::Figure f;
  f.title = title;
  f.x.label = log_x ? "iteration (optimizer steps, log scale)" : "iteration (optimizer steps)";
  f.x.log = log_x;
  f.y.label = ylabel;
  f.y.log = log;
  f.legend = "outside right top vertical";  // four curves that may cross anywhere: the key must not hide them
  for (int o = 0; o < 2; ++o) {
    const std::string opt = o == 0 ? "sgd" : "adam";
    for (int l = 0; l < 2; ++l) {
      const std::string loss = l == 0 ? "ce" : "mse";
      const json& c = by_opt.at(opt).at(loss).at("curve");
      f.series.push_back({fmt::format("{}, {}", loss_title(loss), opt_title(opt)), numbers(c.at("iteration")),
                          numbers(c.at(metric)), rp::SeriesStyle::Lines, kColors[o][l]});
    }
  }
  return f;
}

void render_gradient(const json& p, rp::Document& doc, std::vector<std::string>& findings) {
  const json& g = p.at("logit_gradient");
  rp::Figure f;
  f.title = fmt::format("dL/dz for a positive example ({}): analytic and measured", p.at("name").get<std::string>());
  f.x.label = "predicted probability p = sigmoid(z)";
  f.y.label = "dL/dz (gradient with respect to the logit)";
  f.legend = "bottom right";
  rp::Series ce_line{"cross-entropy: p - 1", {}, {}, rp::SeriesStyle::Lines, kColors[0][0]};
  rp::Series mse_line{"squared error: 2(p - 1)p(1 - p)", {}, {}, rp::SeriesStyle::Lines, kColors[0][1]};
  for (int i = 1; i < 400; ++i) {
    const double q = i / 400.0;
    ce_line.x.push_back(q);
    ce_line.y.push_back(analytic_ce_gradient(q));
    mse_line.x.push_back(q);
    mse_line.y.push_back(analytic_mse_gradient(q));
  }
  rp::Series ce_pts{"cross-entropy, autograd", {}, {}, rp::SeriesStyle::Points, "#17becf"};
  rp::Series mse_pts{"squared error, autograd", {}, {}, rp::SeriesStyle::Points, "#8c564b"};
  double p_min = kNaN, ce_at_min = kNaN, mse_at_min = kNaN;
  for (const json& pt : g.at("points")) {
    const double q = number(pt, "p");
    ce_pts.x.push_back(q);
    ce_pts.y.push_back(number(pt, "ce"));
    mse_pts.x.push_back(q);
    mse_pts.y.push_back(number(pt, "mse"));
    if (!(q >= p_min)) {
      p_min = q;
      ce_at_min = number(pt, "ce");
      mse_at_min = number(pt, "mse");
    }
  }
  f.series = {ce_pts, mse_pts, ce_line, mse_line};  // the formulas drawn over the measurements
  const std::string name = p.at("name").get<std::string>();
  doc.figure(f, name + "-dl-dz.png");
  const double e_ce = number(g.at("max_abs_error"), "ce"), e_mse = number(g.at("max_abs_error"), "mse");
  const std::string agree = fmt::format(
      "Measured by autograd at {} points ({} positive training examples × {} predicted probabilities spread over (0, "
      "1), "
      "{}), ∂L/∂z matches the formulas to within {} (cross-entropy) and {} (squared error), the largest absolute "
      "deviation.",
      g.at("points").size(), g.at("examples").get<int>(), g.at("levels").get<int>(),
      g.at("reference").get<std::string>(), rp::significant(e_ce, 2), rp::significant(e_mse, 2));
  const std::string vanish = fmt::format(
      "At the most confidently wrong point measured (p = {}), cross-entropy's gradient is {} and the squared error's "
      "{}: "
      "{} smaller, because the sigmoid's slope p(1 - p) multiplies the squared error's gradient and vanishes as p → 0.",
      rp::significant(p_min, 2), rp::significant(ce_at_min, 3), rp::significant(mse_at_min, 3),
      rp::ratio(std::fabs(ce_at_min / mse_at_min)));
  doc.md().paragraph(agree + " " + vanish);
  findings.push_back(fmt::format("{}: {}", name, vanish));
}

void render_saturated(const json& p, rp::Document& doc, std::vector<std::string>& findings) {
  const json& s = p.at("saturated");
  const std::string name = p.at("name").get<std::string>();
  const double g_ce = number(s.at("initial_gradient_norm"), "ce"), g_mse = number(s.at("initial_gradient_norm"), "mse");
  const int64_t budget = p.at("iterations").get<int64_t>();
  auto& md = doc.md();
  md.paragraph(fmt::format(
      "The weights point from the positive class's mean to the negative's, w = -c·u and b = c·u·m (u the unit vector "
      "between the class means, m their midpoint), with c chosen so that the median |z| over the training set is {}. "
      "At this start the training accuracy is {} and {} of the training examples are confidently wrong (wrong side, "
      "|z| ≥ 4.6). The full-batch gradient norm is {} for cross-entropy and {} for the squared error: {} smaller.",
      rp::fixed(number(s, "median_abs_logit"), 0), rp::percent(number(s, "initial_train_accuracy")),
      rp::percent(number(s, "initial_confidently_wrong")), rp::significant(g_ce, 3), rp::significant(g_mse, 3),
      rp::ratio(g_ce / g_mse)));
  doc.figure(curves_figure(fmt::format("{}: training accuracy from the saturated start", name), s.at("runs"),
                           "train_accuracy", "training accuracy", false),
             name + "-saturated-accuracy.png");
  doc.figure(curves_figure(fmt::format("{}: loss from the saturated start", name), s.at("runs"), "loss",
                           "training loss (each run's own objective, log scale)", true),
             name + "-saturated-loss.png");
  std::vector<std::string> lines;
  for (const std::string opt : {"sgd", "adam"}) {
    const json& pair = s.at("runs").at(opt);
    // The bar: 90 % of what the same optimizer reached from the ordinary start (first seed).
    const double target = race_target(p.at("seeds").at(0).at(opt), 0.9);
    const double ce_it = iterations_to(pair.at("ce"), target), mse_it = iterations_to(pair.at("mse"), target);
    auto when = [&](double it) {
      return std::isfinite(it) ? fmt::format("reached it after {} iterations", rp::fixed(it, 0))
                               : fmt::format("did not reach it within {} iterations", budget);
    };
    lines.push_back(fmt::format(
        "{}: after {} iterations the training accuracy is {} with cross-entropy and {} with the squared error. Against "
        "the bar of {} (90 % of the better final accuracy from the ordinary start), cross-entropy {} and the squared "
        "error {}.",
        opt_title(opt), budget, rp::percent(number(pair.at("ce"), "final_train_accuracy")),
        rp::percent(number(pair.at("mse"), "final_train_accuracy")), rp::percent(target), when(ce_it), when(mse_it)));
  }
  md.bullets(lines);
  findings.push_back(
      fmt::format("{}, saturated start: the squared error's initial gradient is {} smaller than "
                  "cross-entropy's. {} {}",
                  name, rp::ratio(g_ce / g_mse), lines[0], lines[1]));
}

void render_problem(const json& p, int seeds, rp::Document& doc, std::vector<std::string>& findings) {
  const std::string name = p.at("name").get<std::string>();
  const int64_t budget = p.at("iterations").get<int64_t>();
  auto& md = doc.md();
  md.heading(2, name);
  md.paragraph(fmt::format(
      "{} training and {} test examples, {} features ({}); positive class (y = 1): {}, negative: {}. Read from {}. "
      "Budget: {} iterations of batch {}; learning rate {} for SGD (no momentum) and {} for Adam, the same for both "
      "losses. Curves are measured on the whole training set {}.",
      p.at("train_size").get<int64_t>(), p.at("test_size").get<int64_t>(), p.at("features").get<int64_t>(),
      p.at("standardisation").get<std::string>(), rp::escape_text(p.at("positive").get<std::string>()),
      rp::escape_text(p.at("negative").get<std::string>()), p.at("source").get<std::string>(), budget,
      p.at("batch_size").get<int64_t>(), rp::significant(number(p.at("lr"), "sgd")),
      rp::significant(number(p.at("lr"), "adam")),
      p.at("eval_every").get<int64_t>() == 1
          ? std::string("after every iteration")
          : fmt::format("after every iteration up to {}, then every {}", p.at("dense_until").get<int64_t>(),
                        p.at("eval_every").get<int64_t>())));

  md.heading(3, "Loss and accuracy per iteration (first seed)");
  const json& first = p.at("seeds").at(0);
  // A log iteration axis: the losses part in the first few steps and settle over hundreds.
  doc.figure(curves_figure(fmt::format("{}: training loss per iteration", name), first, "loss",
                           "training loss (each run's own objective, log scale)", true, true),
             name + "-loss.png");
  doc.figure(curves_figure(fmt::format("{}: training accuracy per iteration", name), first, "train_accuracy",
                           "training accuracy", false, true),
             name + "-accuracy.png");

  md.heading(3, fmt::format("Over {} seeds", seeds));
  md.paragraph(
      "Iterations to reach 90 % and 95 % of the final accuracy: the first measured iteration at which the training "
      "accuracy reaches that fraction of the better of the two losses' final training accuracies on the same seed, so "
      "both losses race to the same bar. Mean ± standard deviation over the seeds.");
  rp::Table t{
      {"optimizer", "loss", "iterations to 90 %", "iterations to 95 %", "final train accuracy", "final test accuracy"},
      {rp::Align::Left, rp::Align::Left, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right},
      {}};
  std::vector<std::string> claims;
  for (const std::string opt : {"sgd", "adam"}) {
    LossStats st[2] = {loss_stats(p, opt, "ce"), loss_stats(p, opt, "mse")};
    for (int l = 0; l < 2; ++l) {
      Summary tr = summarize(st[l].train_accuracy), te = summarize(st[l].test_accuracy);
      t.rows.push_back({opt_title(opt), loss_title(l == 0 ? "ce" : "mse"), reach_cell(st[l], 0), reach_cell(st[l], 1),
                        rp::percent_mean_std(tr.mean, tr.std), rp::percent_mean_std(te.mean, te.std)});
    }
    Summary te_ce = summarize(st[0].test_accuracy), te_mse = summarize(st[1].test_accuracy);
    claims.push_back(fmt::format("{}: {}; {}. Final test accuracy {} (CE) vs {} (MSE).", opt_title(opt),
                                 race_sentence(st[0], st[1], 0, budget), race_sentence(st[0], st[1], 1, budget),
                                 rp::percent_mean_std(te_ce.mean, te_ce.std),
                                 rp::percent_mean_std(te_mse.mean, te_mse.std)));
  }
  md.table(t);
  md.bullets(claims);
  for (const std::string& c : claims) findings.push_back(name + ", " + c);

  md.heading(3, "The gradient with respect to the logit");
  render_gradient(p, doc, findings);
  md.heading(3, "Saturated start");
  render_saturated(p, doc, findings);
}

}  // namespace

void render_ce_vs_mse(const json& results, rp::Document& doc) {
  auto& md = doc.md();
  md.heading(1, "Cross-entropy vs squared error for logistic regression");
  md.paragraph(
      "One logit z = w·x + b and a sigmoid output p = σ(z), trained twice from the same initialisation with the same "
      "minibatches, optimizer and learning rate: once with binary cross-entropy, L = -y log p - (1 - y) log(1 - p), "
      "and "
      "once with the squared error of the sigmoid output, L = (p - y)². Both SGD and Adam. The weights start from "
      "nn.Linear's default initialisation (a new one per seed); accuracy counts p ≥ 0.5 as the positive class.");
  const size_t summary_at = md.position();
  std::vector<std::string> findings;
  const int seeds = results.at("seeds").get<int>();
  for (const json& p : results.at("problems")) render_problem(p, seeds, doc, findings);
  // The findings are gathered while the sections are written, and open the report.
  rp::Markdown summary;
  summary.heading(2, "Findings").bullets(findings);
  md.insert(summary_at, summary);
}

}  // namespace nnlab::experiments
