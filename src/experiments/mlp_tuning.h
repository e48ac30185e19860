// The tuning half of mlp-cifar10: the search spaces, how a trial's parameters become a
// TrainConfig, and the objective that trains in this process (train::train) and scores a
// trial by its last epoch's validation accuracy.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "nnlab/experiments/experiment.h"
#include "nnlab/train/config.h"
#include "nnlab/tune/objective.h"
#include "nnlab/tune/search_space.h"

namespace nnlab::experiments {

struct GridValues {
  std::vector<double> lr;
  std::vector<int64_t> width;
};

// Learning rate × width; every other hyperparameter at the base configuration's value,
// two hidden layers of the width.
tune::SearchSpace grid_space(const GridValues& values);
// Learning rate, weight decay, dropout, depth, width, batch norm and schedule.
tune::SearchSpace full_space();

// The base configuration with a trial's parameters: lr, weight_decay, dropout, bn and
// schedule as given; hidden = `depth` layers of `width` (depth 2 where the space has none).
train::TrainConfig apply_params(train::TrainConfig base, const tune::Params& params);

class TrainingObjective : public tune::Objective {
 public:
  // Each trial trains into trials_dir/<study>-<trial number>.
  TrainingObjective(train::TrainConfig base, std::string study, std::filesystem::path trials_dir,
                    ExperimentObserver& observer);
  nlohmann::json describe() const override;
  tune::ObjectiveResult evaluate(const tune::Params& params, tune::TrialContext& context) override;

 private:
  train::TrainConfig base_;
  std::string study_;
  std::filesystem::path trials_dir_;
  ExperimentObserver& observer_;
};

}  // namespace nnlab::experiments
