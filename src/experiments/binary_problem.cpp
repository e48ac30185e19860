#include "experiments/binary_problem.h"

#include <fmt/format.h>

#include <cmath>

#include "nnlab/data/datasets.h"
#include "nnlab/data/transforms.h"
#include "nnlab/error.h"

namespace nnlab::experiments {

namespace {

// Rows of a tabular dataset as a [N, F] tensor.
Tensor feature_matrix(const data::Dataset& d) {
  Tensor x = Tensor::from_data({d.size(), d.num_features}, d.features);
  return x;
}

std::vector<float> float_labels(const data::Dataset& d) { return {d.labels.begin(), d.labels.end()}; }

// The samples of classes a and b, relabelled 0 and 1.
data::Dataset class_pair(const data::Dataset& d, int32_t a, int32_t b) {
  std::vector<int64_t> keep;
  for (int64_t i = 0; i < d.size(); ++i)
    if (d.labels[static_cast<size_t>(i)] == a || d.labels[static_cast<size_t>(i)] == b) keep.push_back(i);
  data::Dataset out = data::subset(d, keep, d.split);
  for (int32_t& y : out.labels) y = y == a ? 0 : 1;
  out.num_classes = 2;
  out.class_names = {d.class_names.at(static_cast<size_t>(a)), d.class_names.at(static_cast<size_t>(b))};
  return out;
}

// Images as [N, C·H·W] floats: pixels / 255, then (v − mean) / std.
Tensor pixel_matrix(const data::Dataset& d, double mean, double std) {
  const int64_t f = d.sample_numel();
  Tensor x = Tensor::empty({d.size(), f});
  float* out = x.data();
  for (size_t i = 0; i < d.pixels.size(); ++i) out[i] = static_cast<float>((d.pixels[i] / 255.0 - mean) / std);
  return x;
}

}  // namespace

BinaryProblem load_breast_cancer(const std::filesystem::path& data_dir) {
  data::LoadOptions lo;
  lo.name = "breast-cancer";
  lo.data_dir = data_dir;
  data::Splits s = data::load_dataset(lo);
  if (s.train.num_classes != 2)
    throw DataError(
        fmt::format("{}: breast-cancer should have 2 classes, has {}", s.train.source, s.train.num_classes));
  data::Normalization norm = data::compute_normalization(s.train);
  data::standardize_features(s.train, norm);
  data::standardize_features(s.test, norm);
  BinaryProblem p;
  p.name = "breast-cancer";
  p.source = s.train.source;
  p.standardisation = "each of the 30 features standardised with the training split's mean and standard deviation";
  p.negative = s.train.class_names[0];
  p.positive = s.train.class_names[1];
  p.x_train = feature_matrix(s.train);
  p.x_test = feature_matrix(s.test);
  p.y_train = float_labels(s.train);
  p.y_test = float_labels(s.test);
  return p;
}

BinaryProblem load_fashion_pair(const std::filesystem::path& data_dir, int64_t train_limit, uint64_t seed) {
  data::LoadOptions lo;
  lo.name = "fashion-mnist";
  lo.data_dir = data_dir;
  data::Splits s = data::load_dataset(lo);
  data::Dataset train = class_pair(s.train, 0, 6), test = class_pair(s.test, 0, 6);
  if (train_limit > 0 && train_limit < train.size()) {
    const double keep = static_cast<double>(train_limit) / static_cast<double>(train.size());
    train = data::stratified_split(train, keep, seed, "rest", "train").second;
  }
  double sum = 0, sq = 0;
  for (uint8_t v : train.pixels) {
    const double x = v / 255.0;
    sum += x;
    sq += x * x;
  }
  const double n = static_cast<double>(train.pixels.size());
  const double mean = sum / n, std = std::sqrt(std::max(sq / n - mean * mean, 1e-12));
  BinaryProblem p;
  p.name = "fashion-mnist-pair";
  p.source = s.train.source;
  p.standardisation = fmt::format(
      "pixels scaled to [0, 1], then normalised with the training pair's mean {:.4f} and "
      "standard deviation {:.4f}",
      mean, std);
  p.negative = train.class_names[0];
  p.positive = train.class_names[1];
  p.x_train = pixel_matrix(train, mean, std);
  p.x_test = pixel_matrix(test, mean, std);
  p.y_train = float_labels(train);
  p.y_test = float_labels(test);
  return p;
}

}  // namespace nnlab::experiments
