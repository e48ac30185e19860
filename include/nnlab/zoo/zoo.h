// The model zoo of shared/MODELS.md, built by name. Parameter counts and state-dict keys
// equal those of the PyTorch reference (shared/reference/torch_models.py).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nnlab/nn/module.h"
#include "nnlab/option_table.h"

namespace nnlab::zoo {

struct ModelOptions {
  std::string name = "lenet5";
  Shape input{1, 28, 28};  // C, H, W of one image (or features for tabular data)
  int64_t classes = 10;
  // mlp: hidden widths; one activation for every layer or one per layer; batch norm; dropout.
  std::vector<int64_t> hidden{512, 256};
  std::vector<std::string> activations{"relu"};
  bool batch_norm = false;
  float dropout = 0.0f;
  // logreg: one logit (sigmoid) instead of K.
  bool binary = false;
  uint64_t seed = 0;  // weight initialisation and dropout streams

  // The keys: model (the name), hidden, activation, dropout, bn, binary. Input, classes
  // and seed come from the data and the run, not from a configuration.
  static const OptionTable<ModelOptions>& table();
};

struct ModelInfo {
  std::string name;
  std::string summary;
  bool only_32x32;  // alexnet, vgg, resnet: 28x28 images are padded to 32x32 by the data pipeline
};

const std::vector<ModelInfo>& models();
const ModelInfo& model_info(const std::string& name);  // ConfigError listing the names otherwise

// Throws ConfigError for an unknown name or bad options, ShapeError for an input the model
// cannot take (e.g. 28x28 for a 32x32-only model, with the fix).
std::shared_ptr<nn::Module> build(const ModelOptions& options);

// Forward FLOPs per image: 2 × multiply-adds of conv and linear layers (the reference's count).
int64_t forward_flops(nn::Module& model, const Shape& input);

// The input shape a model sees for images of shape `image` (C, H, W): 28x28 becomes 32x32
// for the 32x32-only models.
Shape model_input_shape(const std::string& name, const Shape& image);

}  // namespace nnlab::zoo
