// How a training run reports progress. The library never prints: the CLI implements this
// interface (a progress bar on a terminal, one line per epoch elsewhere).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace nnlab::train {

struct BatchProgress {
  int64_t epoch = 0, epochs = 0;  // epoch counts from 1
  int64_t batch = 0, batches = 0;  // batch counts from 1
  double loss = 0, accuracy = 0;   // running means over the epoch so far
  double images_per_second = 0;
  double eta_seconds = 0;          // to the end of the epoch
};

// One line of metrics.jsonl.
struct EpochRecord {
  int64_t epoch = 0;
  double lr = 0;
  double train_loss = 0, train_accuracy = 0;
  std::optional<double> val_loss, val_accuracy;
  double test_loss = 0, test_accuracy = 0, test_top5 = 0;
  double train_seconds = 0;    // this epoch's training pass
  double eval_seconds = 0;     // this epoch's validation and test passes
  double elapsed_seconds = 0;  // since the run started (or resumed), training and evaluation
  double images_per_second = 0;
  double data_wait_fraction = 0;  // of the training pass spent waiting for batches
  // Under mpirun: the ranks, and the share of rank 0's training pass spent averaging
  // gradients (communication and waiting for the slowest rank); absent for one process.
  std::optional<int64_t> ranks;
  std::optional<double> allreduce_fraction;

  nlohmann::json to_json() const;
  static EpochRecord from_json(const nlohmann::json& j);
  // A metric by name: train_loss, train_accuracy, val_loss, val_accuracy, test_loss,
  // test_accuracy (ConfigError for others, or for val_* without a validation split).
  double metric(const std::string& name) const;
};

class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  virtual void on_message(const std::string& text) {}
  virtual void on_batch(const BatchProgress& progress) {}
  virtual void on_epoch(const EpochRecord& record) {}
};

}  // namespace nnlab::train
