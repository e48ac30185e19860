// mlp-cifar10, the report: the rankings, best-so-far curves and every sentence with a
// number in it are computed here from results.json (mlp_cifar10.cpp writes it).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "experiments/dataset_choice.h"
#include "experiments/json_util.h"
#include "experiments/registry.h"
#include "nnlab/report/format.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;
namespace rp = report;

const char* kSearchColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c"};

std::string param_text(const json& params, const std::string& key) {
  if (!params.contains(key)) return "";
  const json& v = params.at(key);
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return rp::significant(v.get<double>(), 3);
}

// A configuration in words: "lr 0.001, width 256 × depth 2, weight decay 1e-05, ...".
std::string config_text(const json& params) {
  std::vector<std::string> parts;
  parts.push_back("learning rate " + param_text(params, "lr"));
  const std::string depth = params.contains("depth") ? param_text(params, "depth") : "2";
  parts.push_back(fmt::format("{} hidden layer{} of {}", depth, depth == "1" ? "" : "s", param_text(params, "width")));
  if (params.contains("weight_decay")) parts.push_back("weight decay " + param_text(params, "weight_decay"));
  if (params.contains("dropout")) parts.push_back("dropout " + param_text(params, "dropout"));
  if (params.contains("bn")) parts.push_back("batch norm " + param_text(params, "bn"));
  if (params.contains("schedule")) parts.push_back("schedule " + param_text(params, "schedule"));
  return fmt::format("{}", fmt::join(parts, ", "));
}

struct Ranked {
  std::string search;
  json trial;
};

std::vector<Ranked> ranked_trials(const json& searches) {
  std::vector<Ranked> all;
  for (const json& s : searches)
    for (const json& t : s.at("trials")) all.push_back({s.at("name").get<std::string>(), t});
  // Complete trials by validation accuracy, best first; the rest after them.
  std::stable_sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) {
    const double va = number(a.trial, "value"), vb = number(b.trial, "value");
    if (std::isfinite(va) != std::isfinite(vb)) return std::isfinite(va);
    return va > vb;
  });
  return all;
}

// Best validation accuracy after each trial of a search (trial numbers from 1).
std::pair<std::vector<double>, std::vector<double>> best_so_far(const json& search) {
  std::vector<double> x, y;
  double best = NAN;
  for (const json& t : search.at("trials")) {
    const double v = number(t, "value");
    if (std::isfinite(v) && !(v <= best)) best = v;
    x.push_back(t.at("number").get<double>() + 1);
    y.push_back(best);
  }
  return {x, y};
}

rp::Figure best_so_far_figure(const json& searches) {
  rp::Figure f;
  f.title = "Best validation accuracy so far, per search";
  f.x.label = "trial";
  f.y.label = "best validation accuracy so far";
  f.legend = "outside right top vertical";
  size_t k = 0;
  for (const json& s : searches) {
    auto [x, y] = best_so_far(s);
    f.series.push_back(
        {s.at("name").get<std::string>() + " search", x, y, rp::SeriesStyle::Steps, kSearchColors[k++ % 3]});
  }
  return f;
}

rp::Figure final_figure(const json& final) {
  rp::Figure f;
  f.title = "The best configuration retrained on train + validation";
  f.x.label = "epoch";
  f.y.label = "accuracy";
  f.legend = "bottom right";
  rp::Series train{"training accuracy (running mean over the epoch)", {}, {}, rp::SeriesStyle::LinesPoints, "#1f77b4"};
  rp::Series test{"test accuracy", {}, {}, rp::SeriesStyle::LinesPoints, "#d62728"};
  for (const json& e : final.at("history")) {
    train.x.push_back(number(e, "epoch"));
    train.y.push_back(number(e, "train_accuracy"));
    test.x.push_back(number(e, "epoch"));
    test.y.push_back(number(e, "test_accuracy"));
  }
  f.series = {train, test};
  for (double e : train.x) f.x.ticks.emplace_back(e, std::to_string(static_cast<int>(e)));  // whole epochs
  return f;
}

void render_findings(const json& results, rp::Markdown& md) {
  const json& best = results.at("best");
  const json& final = results.at("final");
  const std::string dataset = results.at("dataset").at("used");
  std::vector<std::string> lines;
  lines.push_back(fmt::format(
      "Best configuration: {} ({} search, trial {}), validation accuracy {}. Retrained on train + validation ({} "
      "images) and tested once: test accuracy {} on the {} {} test images.",
      config_text(best.at("params")), best.at("search").get<std::string>(), best.at("trial").get<int>() + 1,
      rp::percent(number(best, "value"), 2), final.at("train_samples").get<int64_t>(),
      rp::percent(number(final, "test_accuracy"), 2), final.at("test_count").get<int64_t>(), dataset));
  std::vector<std::pair<double, std::string>> bests;
  for (const json& s : results.at("searches")) {
    auto [x, y] = best_so_far(s);
    const double v = y.empty() ? NAN : y.back();
    bests.emplace_back(v, s.at("name").get<std::string>());
  }
  std::string per_search;
  for (const auto& [v, name] : bests)
    per_search += fmt::format("{}{} {}", per_search.empty() ? "" : ", ", name, rp::percent(v, 2));
  double top = -INFINITY;
  for (const auto& [v, name] : bests) top = std::max(top, v);
  std::vector<std::string> winners;
  for (const auto& [v, name] : bests)
    if (v == top) winners.push_back(name);
  lines.push_back(fmt::format("With the same budget of {} trials each, the best validation accuracies were: {}; {}.",
                              results.at("budget").at("trials_per_search").get<int>(), per_search,
                              winners.size() == 1 ? fmt::format("the {} search found the best", winners[0])
                                                  : fmt::format("{} tied for the best", fmt::join(winners, " and "))));
  // GP's start-up trials are random draws from the same per-trial seeds as random search's.
  const json* random = nullptr;
  const json* gp = nullptr;
  for (const json& s : results.at("searches")) {
    if (s.at("name") == "random") random = &s;
    if (s.at("name") == "gp") gp = &s;
  }
  const int startup = results.at("budget").at("gp_startup_trials").get<int>();
  if (random && gp) {
    int same = 0;
    const json &rt = random->at("trials"), &gt = gp->at("trials");
    for (size_t i = 0; i < std::min({rt.size(), gt.size(), static_cast<size_t>(startup)}); ++i)
      same += rt[i].at("params") == gt[i].at("params");
    lines.push_back(fmt::format(
        "GP search starts with {} random trials; {} of them drew the same parameters as random search's first {}, so "
        "the two curves are a paired comparison that parts where the Gaussian process starts choosing (trial {}).",
        startup, same, startup, startup + 1));
  }
  md.heading(2, "Findings").bullets(lines);
}

void render_setup(const json& results, rp::Markdown& md) {
  const json& b = results.at("budget");
  md.heading(2, "Setup");
  md.paragraph(fmt::format(
      "Model: nnlab's configurable MLP (flatten, then for each hidden layer a fully connected layer, {} and optional "
      "batch norm and dropout; a final fully connected layer to the classes). Data: a stratified subset of {} training "
      "images, {} of it held out for validation (seeded, the same split for every trial); pixels scaled to [0, 1] and "
      "normalised per channel with the dataset's published mean and standard deviation (the course's "
      "transforms.Normalize), at the native image size ({}), flattened into the input vector. Training: Adam, batch "
      "{}, {} epoch{} per trial; a trial's score is its validation accuracy after the last epoch.",
      fmt::join(b.at("activation").get<std::vector<std::string>>(), "/"), b.at("train_subset").get<int64_t>(),
      rp::percent(number(b, "val_fraction"), 0),
      b.at("image_size").get<int64_t>() == 0 ? std::string("no resizing")
                                             : fmt::format("resized to {}", b.at("image_size").get<int64_t>()),
      b.at("batch_size").get<int64_t>(), b.at("epochs").get<int64_t>(), b.at("epochs").get<int64_t>() == 1 ? "" : "s"));
  md.paragraph(fmt::format(
      "Tuning: three studies of {} trials each in one SQLite storage ({}), run in this process by nnlab's tuning "
      "library (tune::Study with an objective that calls nnlab::train::train and reports each epoch's validation "
      "accuracy), so the trials share nothing but the dataset files and run one after another on the same threads, "
      "which keeps their timings comparable and the whole study reproducible from the seed. The studies stay "
      "inspectable with `nnlab study show --storage sqlite:///{} --study grid` (or random, gp). The grid search tries "
      "every learning rate × width "
      "of its grid (two hidden layers of that width, nothing else changed); random search and GP search (a Gaussian "
      "process with expected improvement after {} random trials) draw from the space below. The tuner never sees a "
      "test number: a trial's record holds only training and validation metrics.",
      b.at("trials_per_search").get<int>(), results.at("storage").get<std::string>(),
      results.at("storage").get<std::string>(), b.at("gp_startup_trials").get<int>()));
  rp::Table t{{"search", "parameter", "range"}, {}, {}};
  for (const json& s : results.at("searches")) {
    for (const json& p : s.at("space")) {
      std::string range;
      if (p.contains("choices") && p.at("type") == "categorical")
        range = p.at("choices").dump();
      else if (s.at("sampler") == "grid")
        range = "grid " + p.at("grid").dump();
      else
        range = fmt::format("[{}, {}]{}", rp::significant(number(p, "low")), rp::significant(number(p, "high")),
                            p.value("log", false) ? " log" : "");
      t.rows.push_back({s.at("name").get<std::string>(), p.at("name").get<std::string>(), range});
    }
  }
  md.table(t);
}

void render_ranking(const json& results, rp::Markdown& md) {
  md.heading(2, "Trials ranked by validation accuracy");
  rp::Table t{
      {"rank", "search", "trial", "validation accuracy", "lr", "weight decay", "dropout", "depth", "width", "bn",
       "schedule", "seconds"},
      {rp::Align::Right, rp::Align::Left, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right,
       rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Left, rp::Align::Left, rp::Align::Right},
      {}};
  int rank = 0;
  for (const Ranked& r : ranked_trials(results.at("searches"))) {
    const json& p = r.trial.at("params");
    const double v = number(r.trial, "value");
    t.rows.push_back(
        {std::isfinite(v) ? std::to_string(++rank) : "-", r.search, std::to_string(r.trial.at("number").get<int>() + 1),
         std::isfinite(v) ? rp::percent(v, 2) : r.trial.at("state").get<std::string>(), param_text(p, "lr"),
         p.contains("weight_decay") ? param_text(p, "weight_decay") : "0",
         p.contains("dropout") ? param_text(p, "dropout") : "0", p.contains("depth") ? param_text(p, "depth") : "2",
         param_text(p, "width"), p.contains("bn") ? param_text(p, "bn") : "no",
         p.contains("schedule") ? param_text(p, "schedule") : "none", rp::fixed(number(r.trial, "duration_s"), 1)});
  }
  md.table(t);
}

}  // namespace

void render_mlp_cifar10(const json& results, rp::Document& doc) {
  auto& md = doc.md();
  const json& choice = results.at("dataset");
  const bool fallback = choice.at("fallback").get<bool>();
  md.heading(1, fallback ? "MLP on Fashion-MNIST (CIFAR-10 not found), tuned three ways"
                         : "MLP on CIFAR-10, tuned three ways");
  md.paragraph(dataset_note(choice));
  render_findings(results, md);
  render_setup(results, md);
  md.heading(2, "Best so far");
  doc.figure(best_so_far_figure(results.at("searches")), "best-so-far.png",
             "Each search's best validation accuracy after each of its trials, with the same trial budget.");
  render_ranking(results, md);
  md.heading(2, "The best configuration, retrained and tested once");
  const json& final = results.at("final");
  md.paragraph(fmt::format(
      "The best trial's configuration ({}) trained again from scratch on all {} training images (train + "
      "validation), then evaluated on the {} test images: test accuracy {}, test loss {}, training accuracy of the "
      "last epoch {}, {} of training. The trainer logs a test number after every epoch; only the final one is "
      "reported, and no choice depended on any of them.",
      config_text(results.at("best").at("params")), final.at("train_samples").get<int64_t>(),
      final.at("test_count").get<int64_t>(), rp::percent(number(final, "test_accuracy"), 2),
      rp::fixed(number(final, "test_loss"), 4), rp::percent(number(final, "train_accuracy"), 2),
      rp::seconds(number(final, "train_seconds"))));
  doc.figure(final_figure(final), "final-run.png");
}

}  // namespace nnlab::experiments
