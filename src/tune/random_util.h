// Double-precision draws for the samplers, on top of nnlab's counter-based Generator.
#pragma once

#include <cmath>
#include <numbers>
#include <vector>

#include "nnlab/generator.h"

namespace nnlab::tune {

inline double uniform(Generator& rng, double low, double high) { return low + (high - low) * rng.uniform_double(); }

// Box-Muller in double precision; (0, 1] for the logarithm.
inline double standard_normal(Generator& rng) {
  double u1 = 1.0 - rng.uniform_double();
  double u2 = rng.uniform_double();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// An index drawn with probability proportional to weights (non-negative, not all zero).
inline size_t draw_index(Generator& rng, const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  double u = rng.uniform_double() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  return weights.size() - 1;
}

}  // namespace nnlab::tune
