// mlp-cifar10, the report: the rankings, best-so-far curves and every sentence with a
// number in it are computed here from results.json (mlp_cifar10.cpp writes it).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

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
  uint64_t seed;
  json trial;
};

std::vector<Ranked> ranked_trials(const json& searches) {
  std::vector<Ranked> all;
  for (const json& s : searches)
    for (const json& t : s.at("trials"))
      all.push_back({s.at("name").get<std::string>(), s.value("seed", uint64_t{0}), t});
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
  const bool repeated = std::any_of(searches.begin(), searches.end(), [](const json& s) { return s.value("repeat", 1) > 1; });
  for (const json& s : searches) {
    auto [x, y] = best_so_far(s);
    const std::string name = s.at("name");
    const size_t k = name == "grid" ? 0 : name == "random" ? 1 : 2;  // one colour per search, whatever the repeat
    std::string label = name + " search";
    if (repeated) label += fmt::format(", seed {}", s.at("seed").get<uint64_t>());
    f.series.push_back({label, x, y, rp::SeriesStyle::Steps, kSearchColors[k]});
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

// Which searches are told apart, from results.json's comparisons (the difference of means
// against the larger range of the two).
std::string verdict_sentence(const json& results) {
  const int repeats = results.at("budget").value("repeats", 1);
  if (repeats < 2)
    return "One repeat gives no spread, so no search is called better than another; `--repeats 3` (the default of "
           "the full run) measures one.";
  std::vector<std::string> better, tied;
  for (const json& c : results.at("comparisons")) {
    const std::string a = c.at("a"), b = c.at("b");
    if (c.at("separated").get<bool>()) {
      const std::string win = c.at("better"), lose = win == a ? b : a;
      better.push_back(fmt::format("{} beats {} by {} points (spread {})", win, lose,
                                   rp::fixed(100 * std::abs(number(c, "difference")), 2),
                                   rp::fixed(100 * number(c, "spread"), 2)));
    } else {
      tied.push_back(fmt::format("{} and {} ({} points apart, spread {})", a, b,
                                 rp::fixed(100 * std::abs(number(c, "difference")), 2),
                                 rp::fixed(100 * number(c, "spread"), 2)));
    }
  }
  std::string s = "A search is called better only when its mean exceeds the other's by more than the spread (the "
                  "larger of the two ranges, max − min over the repeats): ";
  if (!better.empty()) s += fmt::format("{}", fmt::join(better, "; "));
  if (!better.empty() && !tied.empty()) s += "; ";
  if (!tied.empty()) s += fmt::format("not separated: {}", fmt::join(tied, "; "));
  return s + ".";
}

void render_repeats(const json& results, rp::Markdown& md) {
  md.heading(2, "Repeats: best validation accuracy per search and seed");
  std::vector<std::string> head{"search"};
  const int repeats = results.at("budget").value("repeats", 1);
  for (const json& x : results.at("searches"))
    if (x.at("name") == "grid") head.push_back(fmt::format("seed {}", x.at("seed").get<uint64_t>()));
  for (const char* h : {"mean", "std", "range (max − min)"}) head.push_back(h);
  rp::Table t{head, std::vector<rp::Align>(head.size(), rp::Align::Right), {}};
  t.align[0] = rp::Align::Left;
  for (const json& m : results.at("search_summary")) {
    std::vector<std::string> row{m.at("name").get<std::string>()};
    for (const json& v : m.at("best_per_repeat")) row.push_back(rp::percent(number(v), 2));
    row.push_back(rp::percent(number(m, "mean"), 2));
    row.push_back(repeats > 1 ? rp::fixed(100 * number(m, "std"), 2) + " points" : "-");
    row.push_back(repeats > 1 ? rp::fixed(100 * number(m, "range"), 2) + " points" : "-");
    t.rows.push_back(row);
  }
  md.table(t);
  md.paragraph(verdict_sentence(results));
}

void render_findings(const json& results, rp::Markdown& md) {
  const json& best = results.at("best");
  const json& final = results.at("final");
  const std::string dataset = results.at("dataset").at("used");
  std::vector<std::string> lines;
  lines.push_back(fmt::format(
      "Best configuration: {} ({} search, seed {}, trial {}), validation accuracy {}. Retrained on train + validation ({} "
      "images) and tested once: test accuracy {} on the {} {} test images.",
      config_text(best.at("params")), best.at("search").get<std::string>(), best.value("seed", uint64_t{0}),
      best.at("trial").get<int>() + 1,
      rp::percent(number(best, "value"), 2), final.at("train_samples").get<int64_t>(),
      rp::percent(number(final, "test_accuracy"), 2), final.at("test_count").get<int64_t>(), dataset));
  const json& b = results.at("budget");
  const int repeats = b.value("repeats", 1);
  std::string per_search;
  for (const json& m : results.at("search_summary")) {
    const std::string spread =
        repeats > 1 ? fmt::format(" (range {} to {})", rp::percent(number(m, "min"), 2), rp::percent(number(m, "max"), 2))
                    : std::string();
    per_search += fmt::format("{}{} {}{}", per_search.empty() ? "" : ", ", m.at("name").get<std::string>(),
                              rp::percent(number(m, "mean"), 2), spread);
  }
  lines.push_back(fmt::format(
      "With the same budget of {} trials each, {}: {}.", b.at("trials_per_search").get<int>(),
      repeats > 1 ? fmt::format("repeated over {} seeds, the mean best validation accuracies were", repeats)
                  : std::string("run once, the best validation accuracies were"),
      per_search));
  lines.push_back(verdict_sentence(results));
  // GP's start-up trials are random draws from the same per-trial seeds as random search's.
  const json* random = nullptr;
  const json* gp = nullptr;
  const int startup = results.at("budget").at("gp_startup_trials").get<int>();
  for (const json& x : results.at("searches")) {  // the first repeat: the same seed for both
    if (x.at("name") == "random" && x.value("repeat", 1) == 1) random = &x;
    if (x.at("name") == "gp" && x.value("repeat", 1) == 1) gp = &x;
  }
  if (random && gp) {
    int same = 0;
    const json &rt = random->at("trials"), &gt = gp->at("trials");
    for (size_t i = 0; i < std::min({rt.size(), gt.size(), static_cast<size_t>(startup)}); ++i)
      same += rt[i].at("params") == gt[i].at("params");
    lines.push_back(fmt::format(
        "GP search starts with {} random trials; {} of them drew the same parameters as random search's first {}, so "
        "the two first-repeat curves are a paired comparison that parts where the Gaussian process starts choosing "
        "(trial {}).",
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
      "Tuning: three searches of {} trials each, each run {} in one SQLite storage ({}), study NAME-REPEAT, by "
      "nnlab's tuning library (tune::Study with an objective that calls nnlab::train::train and reports each epoch's "
      "validation accuracy); repeat k draws with seed {} + k − 1 (sampler and training). {} The studies stay "
      "inspectable with `nnlab study show --storage sqlite:///{} --study grid-1` (or random-1, gp-2, ...). The grid "
      "search tries "
      "every learning rate × width "
      "of its grid (two hidden layers of that width, nothing else changed); random search and GP search (a Gaussian "
      "process with expected improvement after {} random trials) draw from the space below. The tuner never sees a "
      "test number: a trial's record holds only training and validation metrics.",
      b.at("trials_per_search").get<int>(),
      b.value("repeats", 1) == 1 ? std::string("once") : fmt::format("{} times", b.value("repeats", 1)),
      results.at("storage").get<std::string>(), results.at("options").value("seed", uint64_t{0}),
      b.value("workers", 1) > 1
          ? fmt::format("Trials ran {} at a time, each worker a process on the storage with its share of the threads, "
                        "so a trial's seconds are not comparable with a run alone.",
                        b.value("workers", 1))
          : std::string("The trials ran in this process one after another on the same threads, which keeps their "
                        "timings comparable and each study reproducible from its seed."),
      results.at("storage").get<std::string>(), b.at("gp_startup_trials").get<int>()));
  rp::Table t{{"search", "parameter", "range"}, {}, {}};
  std::set<std::string> listed;  // the repeats of a search share its space: list it once
  for (const json& s : results.at("searches")) {
    if (!listed.insert(s.at("name").get<std::string>()).second) continue;
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
      {"rank", "search", "seed", "trial", "validation accuracy", "lr", "weight decay", "dropout", "depth", "width", "bn",
       "schedule", "seconds"},
      {rp::Align::Right, rp::Align::Left, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right,
       rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Left, rp::Align::Left,
       rp::Align::Right},
      {}};
  int rank = 0;
  for (const Ranked& r : ranked_trials(results.at("searches"))) {
    const json& p = r.trial.at("params");
    const double v = number(r.trial, "value");
    t.rows.push_back(
        {std::isfinite(v) ? std::to_string(++rank) : "-", r.search, std::to_string(r.seed),
         std::to_string(r.trial.at("number").get<int>() + 1),
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
  render_repeats(results, md);
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
