#include "experiments/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nnlab::experiments {

Summary summarize(std::span<const double> values) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  Summary s;
  s.count = static_cast<int64_t>(values.size());
  if (values.empty()) return {nan, nan, 0};
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) {
    s.std = nan;
    return s;
  }
  double ss = 0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(ss / static_cast<double>(values.size() - 1));
  return s;
}

Separation separate(std::span<const double> a, std::span<const double> b) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  Separation s;
  s.difference = summarize(a).mean - summarize(b).mean;
  if (a.size() < 2 || b.size() < 2) {
    s.spread = nan;
    return s;
  }
  auto range = [](std::span<const double> v) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return *hi - *lo;
  };
  s.spread = std::max(range(a), range(b));
  s.separated = std::abs(s.difference) > s.spread;
  return s;
}

std::optional<int64_t> first_reaching(std::span<const double> values, double target) {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i] >= target) return static_cast<int64_t>(i);
  return std::nullopt;
}

}  // namespace nnlab::experiments
