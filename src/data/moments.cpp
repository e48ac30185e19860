#include "data/moments.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace nnlab::data::detail {
namespace {

Moments image_moments(const Dataset& data) {
  // A histogram per channel makes the sums exact whatever the dataset size.
  std::vector<std::array<int64_t, 256>> hist(data.channels, std::array<int64_t, 256>{});
  const int64_t plane = data.height * data.width;
  for (int64_t i = 0; i < data.size(); ++i) {
    auto img = data.image(i);
    for (int64_t c = 0; c < data.channels; ++c) {
      auto& h = hist[c];
      for (int64_t p = 0; p < plane; ++p) ++h[img[c * plane + p]];
    }
  }
  Moments m;
  for (const auto& h : hist) {
    double count = 0, sum = 0, sq = 0;
    for (int v = 0; v < 256; ++v) {
      const double x = v / 255.0;
      count += static_cast<double>(h[v]);
      sum += static_cast<double>(h[v]) * x;
    }
    const double mean = count > 0 ? sum / count : 0.0;
    for (int v = 0; v < 256; ++v) sq += static_cast<double>(h[v]) * (v / 255.0 - mean) * (v / 255.0 - mean);
    m.mean.push_back(mean);
    m.std.push_back(count > 0 ? std::sqrt(sq / count) : 0.0);
  }
  return m;
}

Moments feature_moments(const Dataset& data) {
  const int64_t f = data.num_features;
  Moments m{std::vector<double>(f, 0.0), std::vector<double>(f, 0.0)};
  const double count = static_cast<double>(std::max<int64_t>(data.size(), 1));
  for (int64_t i = 0; i < data.size(); ++i) {
    auto row = data.feature_row(i);
    for (int64_t j = 0; j < f; ++j) m.mean[j] += row[j];
  }
  for (auto& v : m.mean) v /= count;
  // Two passes: tabular features can be large (areas in the thousands), where
  // E[x²] - E[x]² loses digits.
  for (int64_t i = 0; i < data.size(); ++i) {
    auto row = data.feature_row(i);
    for (int64_t j = 0; j < f; ++j) m.std[j] += (row[j] - m.mean[j]) * (row[j] - m.mean[j]);
  }
  for (auto& v : m.std) v = std::sqrt(v / count);
  return m;
}

}  // namespace

Moments moments(const Dataset& data) { return data.is_image() ? image_moments(data) : feature_moments(data); }

}  // namespace nnlab::data::detail
