// The training recipe of each cnn-compare model: what it is trained with when the
// comparison asks what each network reaches when trained as it should be (not the toy
// budget of --quick, where every model gets plain Adam). The values and the reasons for
// them are in cnn_recipes.cpp and written into the report per model.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "nnlab/train/config.h"

namespace nnlab::experiments {

// Sets the optimizer, schedule, batch size, augmentation and weight averaging of `model`
// (lenet5, alexnet, vgg11, vgg16, resnet20, resnet18) on `c`; ConfigError for another.
void apply_recipe(const std::string& model, train::TrainConfig& c);

// Fits the recipe's schedule to a run of c.epochs over `train_images` images: the one-cycle
// warm-up must hold more than one step (PyTorch's rule), so very short runs warm up over a
// larger share (at most half); under three steps there is no cycle and the rate stays
// constant (schedule none).
void fit_schedule(train::TrainConfig& c, int64_t train_images);

// Why these values, one or two sentences for the report.
std::string recipe_reason(const std::string& model);

// The recipe as the report states it, read back from a configuration: optimizer, lr,
// momentum, nesterov, weight_decay, batch_size, schedule, pct_start, crop, flip, ema.
nlohmann::json recipe_json(const train::TrainConfig& c);

}  // namespace nnlab::experiments
