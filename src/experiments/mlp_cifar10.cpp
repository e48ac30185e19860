// mlp-cifar10, the measurement: the configurable MLP, trained with Adam, tuned three ways
// with the same trial budget (a grid over learning rate × width, then random search and
// Gaussian-process search over seven hyperparameters), each a study in DIR/studies.db run
// in this process; the best configuration is retrained on train + validation and tested
// once. The report (mlp_cifar10_report.cpp) is computed from what this returns.
#include <fmt/format.h>

#include "experiments/dataset_choice.h"
#include "experiments/plain_adam.h"
#include "experiments/mlp_tuning.h"
#include "experiments/registry.h"
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

// Forwards a study's trials to the experiment's progress.
class StudyProgress : public tune::StudyObserver {
 public:
  StudyProgress(std::string study, int trials, ExperimentObserver& observer)
      : study_(std::move(study)), trials_(trials), observer_(observer) {}
  void trial_started(const tune::FrozenTrial& t) override {
    std::string params;
    for (const auto& [k, v] : t.params) params += fmt::format(" {}={}", k, tune::display_value(v));
    observer_.on_message(fmt::format("mlp-cifar10: {} trial {}/{}:{}", study_, t.number + 1, trials_, params));
  }
  void trial_finished(const tune::FrozenTrial& t, const tune::FrozenTrial* best) override {
    observer_.on_message(
        fmt::format("mlp-cifar10: {} trial {} {}{}", study_, t.number + 1, tune::to_string(t.state),
                    t.value ? fmt::format(", validation accuracy {:.2f}%", 100 * *t.value) : ": " + t.message));
  }

 private:
  std::string study_;
  int trials_;
  ExperimentObserver& observer_;
};

json run_search(const std::string& name, const tune::SearchSpace& space, tune::Sampler& sampler, int trials,
                const train::TrainConfig& base, tune::Storage& storage, const ExperimentOptions& o,
                ExperimentObserver& observer) {
  TrainingObjective objective(base, name, o.out / "trials", observer);
  tune::Study study =
      tune::Study::create_or_load(storage, name, tune::Direction::Maximize, space, objective.describe());
  tune::OptimizeOptions opt;
  opt.n_trials = trials;
  opt.seed = o.seed;
  StudyProgress progress(name, trials, observer);
  study.optimize(sampler, nullptr, objective, opt, &progress);
  json out{{"name", name}, {"sampler", sampler.name()}, {"space", space.to_json()}, {"trials", json::array()}};
  for (const tune::FrozenTrial& t : study.trials()) out["trials"].push_back(tune::trial_to_json(t));
  return out;
}

// The best complete trial over the searches (ties: the earlier search, then the earlier trial).
json best_of(const json& searches) {
  json best;
  for (const json& s : searches)
    for (const json& t : s.at("trials")) {
      if (t.at("state") != "complete" || !t.at("value").is_number()) continue;
      if (best.is_null() || t.at("value").get<double>() > best.at("value").get<double>())
        best = {
            {"search", s.at("name")}, {"trial", t.at("number")}, {"params", t.at("params")}, {"value", t.at("value")}};
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
  std::unique_ptr<tune::Storage> storage = tune::open_storage("sqlite:///" + db.string());

  json searches = json::array();
  auto grid = tune::make_sampler("grid");
  searches.push_back(run_search("grid", grid_space(b.grid), *grid, trials, base, *storage, options, observer));
  auto random = tune::make_sampler("random");
  searches.push_back(run_search("random", full_space(), *random, trials, base, *storage, options, observer));
  auto gp = tune::make_sampler("gp", tune::SamplerOptions{b.gp_startup});
  searches.push_back(run_search("gp", full_space(), *gp, trials, base, *storage, options, observer));

  // The winner, retrained on train + validation (no split) and tested once on the whole test set.
  const json best = best_of(searches);
  train::TrainConfig final_config = apply_params(base, best.at("params").get<tune::Params>());
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
            {"base_config", base.to_json()}}},
          {"storage", db.string()},
          {"searches", searches},
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
