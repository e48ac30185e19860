// mlp-cifar10, the measurement: the configurable MLP, trained with Adam, tuned three ways
// with the same trial budget (a grid over learning rate × width, then random search and
// Gaussian-process search over seven hyperparameters), each a study in DIR/studies.db, and
// each search repeated over seeds (--repeats: the sampler's seed and the trials' training
// seed) so that the report can say whether the searches differ by more than the spread of
// their repeats. Trials run in this process, or with --workers K in K worker processes on
// the same storage (search_workers.h). The best configuration over all repeats is
// retrained on train + validation and tested once. The report (mlp_cifar10_report.cpp) is
// computed from what this returns.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "experiments/dataset_choice.h"
#include "experiments/plain_adam.h"
#include "experiments/mlp_tuning.h"
#include "experiments/registry.h"
#include "experiments/search_workers.h"
#include "experiments/stats.h"
#include "nnlab/error.h"
#include "nnlab/train/trainer.h"
#include "nnlab/tune/study.h"
#include "nnlab/tune/study_summary.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct Budget {
  int64_t train_subset, epochs, trial_test_subset;
  GridValues grid;
  int gp_startup;
};

// Full: 3 × 4 grid points, so each search gets 12 trials of 10 epochs on 50000 training
// images (45000 train, 5000 validation: all of CIFAR-10's, five sixths of Fashion-MNIST's);
// GP starts from 4 random trials. About 15 minutes on two cores for Fashion-MNIST. Quick: 2 × 2.
Budget budget_for(bool quick) {
  if (quick) return {600, 1, 200, {{1e-3, 3e-3}, {64, 128}}, 2};
  return {50000, 10, 500, {{3e-4, 1e-3, 3e-3}, {128, 256, 512, 1024}}, 4};
}

train::TrainConfig base_config(const ExperimentOptions& o, const std::string& dataset, const Budget& b) {
  train::TrainConfig c;
  c.model.name = "mlp";
  c.model.hidden = {b.grid.width.front(), b.grid.width.front()};
  c.model.activations = {"relu"};
  c.data.name = dataset;
  c.data.data_dir = o.data_dir;
  c.normalize = "published";  // per-channel mean and std as published for the dataset (transforms.Normalize)
  c.data.image_size = 0;          // native size: 32×32 for CIFAR-10, 28×28 for Fashion-MNIST
  c.val_fraction = 0.1;
  c.train_subset = b.train_subset;
  c.test_subset = b.trial_test_subset;  // the tuner never reads test numbers; a small subset saves time
  c.epochs = b.epochs;
  c.batch_size = 128;
  use_plain_adam(c);
  c.seed = o.seed;
  c.threads = o.threads;
  c.workers = 1;
  return c;
}

// One search of one repeat: its study named NAME-REPEAT, seeds seed + repeat.
json search(const std::string& name, int repeat, const Budget& b, int trials, const train::TrainConfig& base,
            const fs::path& db, const ExperimentOptions& o, ExperimentObserver& observer) {
  SearchJob job;
  job.study = fmt::format("{}-{}", name, repeat + 1);
  job.sampler = name;
  job.startup_trials = name == "gp" ? b.gp_startup : -1;
  job.trials = trials;
  job.seed = o.seed + static_cast<uint64_t>(repeat);
  job.grid_space = name == "grid";
  job.grid = b.grid;
  job.base = base;
  job.base.seed = job.seed;
  job.storage_file = db;
  job.trials_dir = o.out / "trials";
  json trial_list = run_search(job, o.workers, o.trainer, o.threads, observer);
  const tune::SearchSpace space = job.grid_space ? grid_space(b.grid) : full_space();
  return {{"name", name},      {"study", job.study}, {"repeat", repeat + 1},       {"seed", job.seed},
          {"sampler", name},   {"space", space.to_json()}, {"trials", trial_list}};
}

// A search's best validation accuracy in each repeat, their mean, standard deviation and range.
json summarize_searches(const json& searches, const std::vector<std::string>& names) {
  json out = json::array();
  for (const std::string& name : names) {
    std::vector<double> bests;
    for (const json& s : searches) {
      if (s.at("name") != name) continue;
      double best = NAN;
      for (const json& t : s.at("trials"))
        if (t.at("state") == "complete" && t.at("value").is_number() && !(t.at("value").get<double>() <= best))
          best = t.at("value").get<double>();
      bests.push_back(best);
    }
    const Summary sum = summarize(bests);
    const auto [lo, hi] = std::minmax_element(bests.begin(), bests.end());
    out.push_back({{"name", name},
                   {"best_per_repeat", bests},
                   {"mean", sum.mean},
                   {"std", sum.std},
                   {"min", *lo},
                   {"max", *hi},
                   {"range", *hi - *lo}});
  }
  return out;
}

// Every pair of searches: better only when the difference of means exceeds the spread.
json compare_searches(const json& summary) {
  json out = json::array();
  for (size_t i = 0; i < summary.size(); ++i)
    for (size_t k = i + 1; k < summary.size(); ++k) {
      const std::vector<double> a = summary[i].at("best_per_repeat"), b = summary[k].at("best_per_repeat");
      const Separation sep = separate(a, b);
      json better = nullptr;
      if (sep.separated) better = sep.difference > 0 ? summary[i].at("name") : summary[k].at("name");
      out.push_back({{"a", summary[i].at("name")},
                     {"b", summary[k].at("name")},
                     {"difference", sep.difference},
                     {"spread", sep.spread},
                     {"separated", sep.separated},
                     {"better", better}});
    }
  return out;
}

// The best complete trial over the searches (ties: the earlier search, then the earlier trial).
json best_of(const json& searches) {
  json best;
  for (const json& s : searches)
    for (const json& t : s.at("trials")) {
      if (t.at("state") != "complete" || !t.at("value").is_number()) continue;
      if (best.is_null() || t.at("value").get<double>() > best.at("value").get<double>())
        best = {{"search", s.at("name")}, {"study", s.at("study")},   {"repeat", s.at("repeat")},
                {"seed", s.at("seed")},   {"trial", t.at("number")},  {"params", t.at("params")},
                {"value", t.at("value")}};
    }
  if (best.is_null()) throw Error("mlp-cifar10: no trial of any search completed; see the trial messages above");
  return best;
}

}  // namespace

json measure_mlp_cifar10(const ExperimentOptions& options, ExperimentObserver& observer) {
  const Budget b = budget_for(options.quick);
  const json choice = choose_dataset("cifar10", "fashion-mnist", options.data_dir);
  const std::string dataset = choice.at("used");
  observer.on_message(
      fmt::format("mlp-cifar10: {}", choice.at("fallback").get<bool>()
                                         ? "CIFAR-10 not found; running on Fashion-MNIST"
                                         : "CIFAR-10 found in " + choice.at("found_in").get<std::string>()));
  const train::TrainConfig base = base_config(options, dataset, b);
  const int trials = static_cast<int>(b.grid.lr.size() * b.grid.width.size());
  const fs::path db = fs::absolute(options.out / "studies.db");

  const int repeats = options.repeats > 0 ? options.repeats : options.quick ? 1 : 3;
  const std::vector<std::string> names{"grid", "random", "gp"};
  json searches = json::array();
  for (int r = 0; r < repeats; ++r)
    for (const std::string& name : names)
      searches.push_back(search(name, r, b, trials, base, db, options, observer));
  const json summary = summarize_searches(searches, names);
  const json comparisons = compare_searches(summary);

  // The winner, retrained on train + validation (no split) and tested once on the whole test set.
  const json best = best_of(searches);
  train::TrainConfig final_config = apply_params(base, best.at("params").get<tune::Params>());
  final_config.seed = best.at("seed").get<uint64_t>();  // the seed its trial trained with
  final_config.val_fraction = 0;
  final_config.test_subset = 0;
  final_config.out = (options.out / "final").string();
  observer.on_message(fmt::format("mlp-cifar10: retraining the best configuration ({} trial {}) on train + validation",
                                  best.at("search").get<std::string>(), best.at("trial").get<int>() + 1));
  train::TrainResult r = train::train(final_config, observer);
  json history = json::array();
  for (const auto& e : r.history) history.push_back(e.to_json());
  const train::EpochRecord& last = r.history.back();

  return {{"dataset", choice},
          {"budget",
           {{"train_subset", b.train_subset},
            {"val_fraction", base.val_fraction},
            {"epochs", b.epochs},
            {"batch_size", base.batch_size},
            {"optimizer", base.optimizer.name},
            {"normalize", base.normalize},
            {"image_size", base.data.image_size},
            {"activation", base.model.activations},
            {"trial_test_subset", b.trial_test_subset},
            {"trials_per_search", trials},
            {"gp_startup_trials", b.gp_startup},
            {"repeats", repeats},
            {"workers", options.workers},
            {"spread", "range"},
            {"base_config", base.to_json()}}},
          {"storage", db.string()},
          {"searches", searches},
          {"search_summary", summary},
          {"comparisons", comparisons},
          {"best", best},
          {"final",
           {{"config", final_config.to_json()},
            {"test_accuracy", last.test_accuracy},
            {"test_loss", last.test_loss},
            {"test_count", r.test.count()},
            {"train_accuracy", last.train_accuracy},
            {"train_samples", b.train_subset},
            {"train_seconds", r.train_seconds},
            {"history", history}}}};
}

}  // namespace nnlab::experiments
