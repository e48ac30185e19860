// Dataset: one split of a classification dataset, held in memory as its file gave it.
// Images stay uint8 (N×C×H×W, row-major): a quarter of the memory of floats, and the
// DataLoader converts each batch as it goes. Tabular data is float features N×F.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab::data {

struct Dataset {
  std::string name;    // "fashion-mnist", "csv:/path/table.csv", ...
  std::string split;   // "train", "test", "val"
  std::string source;  // the file or directory it was read from

  // Exactly one of `pixels` (images) and `features` (tabular) holds the samples.
  std::vector<uint8_t> pixels;  // N×C×H×W
  int64_t channels = 0, height = 0, width = 0;
  std::vector<float> features;  // N×F
  int64_t num_features = 0;
  std::vector<std::string> feature_names;  // tabular: one per feature (may be empty)

  std::vector<int32_t> labels;  // N, each in [0, num_classes)
  int32_t num_classes = 0;
  std::vector<std::string> class_names;  // num_classes entries

  bool is_image() const { return channels > 0; }
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  Shape sample_shape() const;   // [C, H, W] or [F]
  int64_t sample_numel() const;  // C·H·W or F
  std::span<const uint8_t> image(int64_t i) const;    // sample i of an image dataset
  std::span<const float> feature_row(int64_t i) const;  // sample i of a tabular dataset
  // Throws DataError naming the dataset when sizes disagree or a label is out of range.
  void check() const;
};

// Names, shape and classes of `data` with no samples.
Dataset empty_like(const Dataset& data);

// The samples at `indices`, in that order, with the same metadata.
Dataset subset(const Dataset& data, std::span<const int64_t> indices, const std::string& split);

// Number of samples per class.
std::vector<int64_t> label_histogram(const Dataset& data);

// A seeded stratified split: each class gives round(fraction · its count) samples to the
// second part, chosen at random; both parts keep the original order. Same seed, same
// split. fraction must be in (0, 1); a part that would be empty is an error.
std::pair<Dataset, Dataset> stratified_split(const Dataset& data, double fraction, uint64_t seed,
                                             const std::string& first_split,
                                             const std::string& second_split);

// The training split cut into train and validation (--val-fraction, seeded).
std::pair<Dataset, Dataset> split_train_val(const Dataset& train, double val_fraction, uint64_t seed);

}  // namespace nnlab::data
