// What eval and predict share: a zoo model rebuilt around a weights file (an nnlab run
// directory or .safetensors, or a file saved from the PyTorch reference), with the
// normalisation its inputs need.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/data/transforms.h"
#include "nnlab/nn/module.h"
#include "nnlab/train/checkpoint.h"
#include "nnlab/train/config.h"
#include "train_flags.h"

namespace nnlab::cli {

struct NormalizationFlags {
  std::vector<float> mean, std;  // --mean/--std, per channel
};

// The configuration of saved weights: what nnlab recorded in the file (defaults for a
// foreign file), with the flags given on the command line applied over it.
train::TrainConfig config_for(const train::WeightsFile& weights, const TrainFlags& flags);

// --mean/--std when given; else what the weights were trained with; else the dataset's
// published statistics; else none.
data::Normalization choose_normalization(const NormalizationFlags& flags, const train::WeightsFile& weights,
                                         const std::string& dataset);

// Builds the configured model for this input and class count and loads the weights
// (strict: every key and shape must match).
std::shared_ptr<nn::Module> load_model(const train::TrainConfig& config, const Shape& input, int64_t classes,
                                       const train::WeightsFile& weights);

}  // namespace nnlab::cli
