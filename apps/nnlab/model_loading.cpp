#include "model_loading.h"

#include <fmt/format.h>

#include "command.h"
#include "nnlab/data/datasets.h"
#include "nnlab/error.h"
#include "nnlab/train/trainer.h"

namespace nnlab::cli {

train::TrainConfig config_for(const train::WeightsFile& weights, const TrainFlags& flags) {
  train::TrainConfig base;
  if (weights.info) base = train::TrainConfig::from_json(weights.info->config);
  // Weights from elsewhere (PyTorch's) say nothing of whether they learned mirrored images,
  // so they are scored on the images as they are unless --eval-flip says otherwise.
  else base.eval_flip = "off";
  return flags.resolve(base);
}

data::Normalization choose_normalization(const NormalizationFlags& flags, const train::WeightsFile& weights,
                                         const std::string& dataset) {
  if (!flags.mean.empty() || !flags.std.empty()) {
    if (flags.mean.size() != flags.std.size())
      usage_error(fmt::format("--mean has {} values and --std {}: give one pair per channel", flags.mean.size(),
                              flags.std.size()));
    for (float s : flags.std)
      if (!(s > 0)) usage_error(fmt::format("--std {} must be positive", s));
    return {flags.mean, flags.std};
  }
  if (weights.info) return weights.info->normalization;
  if (auto published = data::published_normalization(dataset)) return *published;
  return {};
}

std::shared_ptr<nn::Module> load_model(const train::TrainConfig& config, const Shape& input, int64_t classes,
                                       const train::WeightsFile& weights) {
  auto model = train::build_model(config, input, classes);
  try {
    model->load_state_dict(weights.tensors, /*strict=*/true);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", weights.file.string(), e.what()));
  }
  model->eval();
  return model;
}

}  // namespace nnlab::cli
