// The training loop: a zoo model trained on a dataset by a TrainConfig, with validation
// and test after every epoch, best-model tracking, early stopping, a divergence guard, and
// a run directory whose checkpoint lets a killed run resume to the same result.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "nnlab/data/data_loader.h"
#include "nnlab/nn/module.h"
#include "nnlab/train/config.h"
#include "nnlab/train/metrics.h"
#include "nnlab/train/observer.h"

namespace nnlab::train {

struct TrainResult {
  std::filesystem::path run_dir;
  std::vector<EpochRecord> history;
  ClassificationMetrics test{1};  // the last epoch's test metrics
  std::vector<std::string> class_names;
  int64_t best_epoch = 0;          // by validation accuracy (the last epoch without a validation split)
  double best_val_accuracy = 0;
  bool stopped_early = false;
  double train_seconds = 0;        // training passes only
  double setup_seconds = 0;        // loading and preparing the data and the model, before the first epoch
  // Seconds of training and evaluation until the test accuracy first reached `accuracy`
  // (-1: never); add setup_seconds for the wall time from the start.
  double seconds_to_target(double accuracy) const;
  nlohmann::json to_json() const;  // test_accuracy, test_loss, epochs, train_seconds, ...
};

// Trains from scratch into config.out (a new run directory), or with `resume` continues
// the run in config.out from its checkpoint, taking the configuration saved there.
TrainResult train(const TrainConfig& config, TrainObserver& observer, bool resume = false);
// Continues the run in `run_dir` with `changes` (keys and values: `epochs`, `lr`, `threads`,
// `workers`; see resumable_keys()). Any other change, on the command line or in an edited
// config.json, is a ConfigError naming the key.
TrainResult resume(const std::filesystem::path& run_dir, const nlohmann::json& changes, TrainObserver& observer);

// The configuration saved in a run directory (its config.json).
TrainConfig load_run_config(const std::filesystem::path& run_dir);

// The logits evaluation scores a batch by: the model's, or with `mirrored` the mean of each
// image's and its mirror's (test-time augmentation, TrainConfig::eval_flip).
Tensor eval_logits(nn::Module& model, const Tensor& x, bool mirrored);

// Loss and metrics of `model` in eval mode over a loader's batches, scored by eval_logits.
ClassificationMetrics evaluate(nn::Module& model, data::DataLoader& loader, int64_t num_classes, bool binary = false,
                               bool mirrored = false);

// The zoo model a configuration describes, for an input shape and class count.
std::shared_ptr<nn::Module> build_model(const TrainConfig& config, const Shape& input, int64_t num_classes);

}  // namespace nnlab::train
