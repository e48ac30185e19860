#include "experiments/mlp_tuning.h"

#include <fmt/format.h>

#include <cmath>

#include "nnlab/error.h"
#include "nnlab/train/trainer.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Reports each epoch's validation accuracy to the study and passes progress on.
class TrialObserver : public train::TrainObserver {
 public:
  TrialObserver(tune::TrialContext& context, ExperimentObserver& observer) : context_(context), observer_(observer) {}
  void on_batch(const train::BatchProgress& p) override {
    context_.heartbeat();
    observer_.on_batch(p);
  }
  void on_epoch(const train::EpochRecord& r) override {
    if (r.val_accuracy) context_.report(r.epoch, *r.val_accuracy);
    observer_.on_epoch(r);
  }

 private:
  tune::TrialContext& context_;
  ExperimentObserver& observer_;
};

}  // namespace

tune::SearchSpace grid_space(const GridValues& values) {
  ordered_json spec{
      {"lr",
       {{"type", "float"}, {"low", values.lr.front()}, {"high", values.lr.back()}, {"log", true}, {"grid", values.lr}}},
      {"width",
       {{"type", "int"},
        {"low", values.width.front()},
        {"high", values.width.back()},
        {"log", true},
        {"grid", values.width}}},
  };
  return tune::SearchSpace::from_json(spec, "mlp-cifar10 grid space");
}

tune::SearchSpace full_space() {
  ordered_json spec{
      {"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 1e-2}, {"log", true}}},
      {"weight_decay", {{"type", "float"}, {"low", 1e-6}, {"high", 1e-3}, {"log", true}}},
      {"dropout", {{"type", "float"}, {"low", 0.0}, {"high", 0.5}}},
      {"depth", {{"type", "int"}, {"low", 1}, {"high", 3}}},
      {"width", {{"type", "int"}, {"low", 32}, {"high", 1024}, {"log", true}}},
      {"bn", {{"type", "categorical"}, {"choices", {true, false}}}},
      {"schedule", {{"type", "categorical"}, {"choices", {"none", "cosine"}}}},
  };
  return tune::SearchSpace::from_json(spec, "mlp-cifar10 search space");
}

// Parameters named after training keys (lr, dropout, ...) set them; depth and width make
// the hidden layers, all of one width.
train::TrainConfig apply_params(train::TrainConfig c, const tune::Params& p) {
  for (auto& [name, value] : p)
    if (auto* option = train::TrainConfig::table().find(name)) option->set(c, value);
  auto has = [&](const char* k) { return p.count(k) > 0; };
  const int64_t depth = has("depth") ? p.at("depth").get<int64_t>() : 2;
  const int64_t width = has("width") ? p.at("width").get<int64_t>() : c.model.hidden.front();
  c.model.hidden.assign(static_cast<size_t>(depth), width);
  return c;
}

TrainingObjective::TrainingObjective(train::TrainConfig base, std::string study, std::filesystem::path trials_dir,
                                     ExperimentObserver& observer)
    : base_(std::move(base)), study_(std::move(study)), trials_dir_(std::move(trials_dir)), observer_(observer) {}

json TrainingObjective::describe() const {
  return {{"kind", "in-process nnlab::train::train"}, {"metric", "val_accuracy"}, {"base", base_.to_json()}};
}

tune::ObjectiveResult TrainingObjective::evaluate(const tune::Params& params, tune::TrialContext& context) {
  train::TrainConfig c = apply_params(base_, params);
  c.out = (trials_dir_ / fmt::format("{}-{:02}", study_, context.trial_number())).string();
  TrialObserver observer(context, observer_);
  try {
    train::TrainResult r = train::train(c, observer);
    const train::EpochRecord& last = r.history.back();
    if (!last.val_accuracy) return {tune::Outcome::Failed, NAN, "the run has no validation split", nullptr};
    // Only what the tuner may see: training and validation numbers, never the test set's.
    json metrics{{"val_accuracy", *last.val_accuracy},    {"val_loss", *last.val_loss},
                 {"train_accuracy", last.train_accuracy}, {"train_loss", last.train_loss},
                 {"train_seconds", r.train_seconds},      {"epochs", last.epoch}};
    return {tune::Outcome::Complete, *last.val_accuracy, "", metrics};
  } catch (const Error& e) {
    return {tune::Outcome::Failed, NAN, e.what(), nullptr};
  }
}

}  // namespace nnlab::experiments
