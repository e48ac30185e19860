// The data of a training run: the named dataset loaded, cut into train/validation/test,
// reshaped for the model (padding 28x28 to 32x32 for the 32x32-only models, resizing) and
// its normalisation decided.
#pragma once

#include <string>
#include <vector>

#include "nnlab/data/dataset.h"
#include "nnlab/data/datasets.h"
#include "nnlab/data/transforms.h"
#include "nnlab/tensor.h"
#include "nnlab/train/config.h"

namespace nnlab::train {

struct PreparedData {
  data::Dataset train, val, test;  // val is empty when val_fraction is 0
  data::Normalization normalization;
  Shape input;  // one sample as the model sees it
  int32_t num_classes = 0;
  std::vector<std::string> class_names;
  std::string summary;  // "fashion-mnist from /usr/share/...: 54000 train, 6000 validation, 10000 test, 1x28x28"
};

PreparedData prepare_data(const TrainConfig& config);

// The stratified `test_subset` of a test split (all of it for 0), the same for every seed.
data::Dataset test_subset(data::Dataset test, int64_t count);

// Pads or resizes a split the way prepare_data does for this model and image size.
data::Dataset shape_for_model(const data::Dataset& split, const std::string& model, int64_t image_size);

}  // namespace nnlab::train
