// The files of a run directory and their atomic writes:
//   config.json              the TrainConfig (reruns the run)
//   metrics.jsonl            one EpochRecord per line
//   checkpoint.safetensors   weights ("model.<key>"), optimizer state ("optimizer.<key>"),
//                            averaged weights with --ema ("ema.<key>") and, in the metadata, the training state: epoch, history, schedule,
//                            generators, best model, normalisation
//   model.safetensors        the latest weights under PyTorch's keys (loads into the reference)
//   best.safetensors         the weights of the best epoch, likewise
//   summary.json             the final metrics
// Each file is replaced atomically, so a run killed at any moment leaves a consistent
// checkpoint of its last finished epoch.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "nnlab/data/transforms.h"
#include "nnlab/generator.h"
#include "nnlab/nn/module.h"
#include "nnlab/optim/optimizer.h"
#include "nnlab/train/observer.h"

namespace nnlab::train {

struct TrainingState {
  int64_t epochs_done = 0;
  std::vector<EpochRecord> history;
  int64_t best_epoch = 0;
  double best_metric = 0;
  int64_t epochs_since_best = 0;
  nlohmann::json scheduler;
  std::vector<Generator::State> generators;  // the model's dropout streams, in order
  data::Normalization normalization;
  StateDict averaged;        // --ema: the averaged weights, under "ema.<key>"
  int64_t average_updates = 0;
  nlohmann::json config;     // the TrainConfig the epochs so far ran with (null in older checkpoints)
};

void save_checkpoint(const std::filesystem::path& file, nn::Module& model, const optim::Optimizer& optimizer,
                     const TrainingState& state);
// Restores the model and optimizer in place and returns the rest. Throws IoError or
// ConfigError naming the file when it is corrupt or belongs to another model.
TrainingState load_checkpoint(const std::filesystem::path& file, nn::Module& model, optim::Optimizer& optimizer);

// What a checkpoint says of its run without loading its tensors: the epochs done and the
// configuration they ran with (null when the checkpoint is older than that record).
struct CheckpointSummary {
  int64_t epochs_done = 0;
  nlohmann::json config;
};
CheckpointSummary peek_checkpoint(const std::filesystem::path& file);

// What nnlab stores beside the weights, so that eval and predict need no other file.
struct WeightsInfo {
  data::Normalization normalization;
  nlohmann::json config;  // the TrainConfig
  Shape input;            // one sample as the model sees it
  std::vector<std::string> class_names;
};

void save_weights(const std::filesystem::path& file, const nn::Module& model, const WeightsInfo& info);

struct WeightsFile {
  std::filesystem::path file;
  StateDict tensors;
  std::optional<WeightsInfo> info;  // when nnlab wrote the file (not for PyTorch's files)
};
// A .safetensors file, or a run directory (its best.safetensors, else model.safetensors).
WeightsFile load_weights(const std::filesystem::path& file_or_run_dir);

}  // namespace nnlab::train
