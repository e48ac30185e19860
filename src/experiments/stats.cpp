#include "experiments/stats.h"

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

std::optional<int64_t> first_reaching(std::span<const double> values, double target) {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i] >= target) return static_cast<int64_t>(i);
  return std::nullopt;
}

}  // namespace nnlab::experiments
