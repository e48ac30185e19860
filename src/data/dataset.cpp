#include "nnlab/data/dataset.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "nnlab/error.h"
#include "nnlab/generator.h"

namespace nnlab::data {

Shape Dataset::sample_shape() const {
  if (is_image()) return {channels, height, width};
  return {num_features};
}

int64_t Dataset::sample_numel() const { return is_image() ? channels * height * width : num_features; }

std::span<const uint8_t> Dataset::image(int64_t i) const {
  const int64_t n = sample_numel();
  return std::span<const uint8_t>(pixels).subspan(static_cast<size_t>(i * n), static_cast<size_t>(n));
}

std::span<const float> Dataset::feature_row(int64_t i) const {
  const int64_t n = num_features;
  return std::span<const float>(features).subspan(static_cast<size_t>(i * n), static_cast<size_t>(n));
}

void Dataset::check() const {
  const std::string what = fmt::format("dataset {} ({} split)", name, split);
  const size_t n = labels.size();
  if (is_image()) {
    if (height <= 0 || width <= 0) throw DataError(fmt::format("{}: image size {}x{} is empty", what, height, width));
    if (!features.empty()) throw DataError(what + ": holds both images and features");
    if (pixels.size() != n * static_cast<size_t>(sample_numel()))
      throw DataError(fmt::format("{}: {} pixel bytes for {} images of {}", what, pixels.size(), n,
                                  shape_str(sample_shape())));
  } else {
    if (num_features <= 0) throw DataError(what + ": no image shape and no features");
    if (features.size() != n * static_cast<size_t>(num_features))
      throw DataError(fmt::format("{}: {} values for {} rows of {} features", what, features.size(), n, num_features));
  }
  if (num_classes <= 0) throw DataError(what + ": no classes");
  if (class_names.size() != static_cast<size_t>(num_classes))
    throw DataError(fmt::format("{}: {} class names for {} classes", what, class_names.size(), num_classes));
  for (size_t i = 0; i < n; ++i)
    if (labels[i] < 0 || labels[i] >= num_classes)
      throw DataError(fmt::format("{}: sample {} has label {}, outside 0..{}", what, i, labels[i], num_classes - 1));
}

Dataset empty_like(const Dataset& data) {
  Dataset out;
  out.name = data.name;
  out.split = data.split;
  out.source = data.source;
  out.channels = data.channels;
  out.height = data.height;
  out.width = data.width;
  out.num_features = data.num_features;
  out.feature_names = data.feature_names;
  out.num_classes = data.num_classes;
  out.class_names = data.class_names;
  return out;
}

Dataset subset(const Dataset& data, std::span<const int64_t> indices, const std::string& split) {
  Dataset out = empty_like(data);
  out.split = split;
  const int64_t per = data.sample_numel();
  out.labels.reserve(indices.size());
  if (data.is_image())
    out.pixels.reserve(indices.size() * per);
  else
    out.features.reserve(indices.size() * per);
  for (int64_t i : indices) {
    if (i < 0 || i >= data.size())
      throw Error(fmt::format("subset of {}: index {} outside 0..{}", data.name, i, data.size() - 1));
    out.labels.push_back(data.labels[i]);
    if (data.is_image()) {
      auto img = data.image(i);
      out.pixels.insert(out.pixels.end(), img.begin(), img.end());
    } else {
      auto row = data.feature_row(i);
      out.features.insert(out.features.end(), row.begin(), row.end());
    }
  }
  return out;
}

std::vector<int64_t> label_histogram(const Dataset& data) {
  std::vector<int64_t> counts(std::max(data.num_classes, 0), 0);
  for (int32_t y : data.labels)
    if (y >= 0 && y < data.num_classes) ++counts[y];
  return counts;
}

std::pair<Dataset, Dataset> stratified_split(const Dataset& data, double fraction, uint64_t seed,
                                             const std::string& first_split,
                                             const std::string& second_split) {
  if (!(fraction > 0.0 && fraction < 1.0))
    throw ConfigError(fmt::format("split fraction {} of {} must be between 0 and 1 (exclusive)", fraction, data.name));
  std::vector<std::vector<int64_t>> by_class(std::max(data.num_classes, 0));
  for (int64_t i = 0; i < data.size(); ++i) by_class.at(data.labels[i]).push_back(i);
  // Class c gives floor(fraction · n_c) samples; the rest of round(fraction · N) go to the
  // classes with the largest remainders (ties in a seeded order), so the split is as
  // stratified as whole samples allow and has the requested size even for tiny classes.
  const auto n = static_cast<double>(data.size());
  const auto total = static_cast<int64_t>(std::llround(fraction * n));
  std::vector<int64_t> take(by_class.size());
  std::vector<std::pair<double, size_t>> remainders;
  int64_t taken = 0;
  for (size_t c = 0; c < by_class.size(); ++c) {
    const double exact = fraction * static_cast<double>(by_class[c].size());
    take[c] = static_cast<int64_t>(std::floor(exact));
    taken += take[c];
    remainders.push_back({exact - std::floor(exact), c});
  }
  Generator order_gen(Generator::mix(seed, by_class.size()));
  std::span<std::pair<double, size_t>> rem(remainders);
  order_gen.shuffle(rem);
  std::stable_sort(remainders.begin(), remainders.end(), [](auto& x, auto& y) { return x.first > y.first; });
  for (size_t k = 0; taken < total && k < remainders.size(); ++k, ++taken) ++take[remainders[k].second];

  std::vector<char> second(data.size(), 0);
  for (size_t c = 0; c < by_class.size(); ++c) {
    // Each class draws from its own stream, so one class's size does not move another's split.
    auto& members = by_class[c];
    Generator gen(Generator::mix(seed, c));
    gen.shuffle(std::span<int64_t>(members));
    for (int64_t k = 0; k < take[c]; ++k) second[members[k]] = 1;
  }
  std::vector<int64_t> a, b;
  for (int64_t i = 0; i < data.size(); ++i) (second[i] ? b : a).push_back(i);
  if (a.empty() || b.empty())
    throw ConfigError(fmt::format("a {} split of the {} samples of {} leaves the {} part empty", fraction, data.size(),
                                  data.name, a.empty() ? first_split : second_split));
  return {subset(data, a, first_split), subset(data, b, second_split)};
}

std::pair<Dataset, Dataset> split_train_val(const Dataset& train, double val_fraction, uint64_t seed) {
  return stratified_split(train, val_fraction, seed, "train", "val");
}

}  // namespace nnlab::data
