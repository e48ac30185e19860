// Summary statistics the reports print.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace nnlab::experiments {

struct Summary {
  double mean = 0;
  double std = 0;  // sample standard deviation (n − 1); NaN for fewer than two values
  int64_t count = 0;
};

// Mean and sample std of the values; NaN mean for none.
Summary summarize(std::span<const double> values);

// The first position whose value is at least `target`, or nullopt when none is.
std::optional<int64_t> first_reaching(std::span<const double> values, double target);

}  // namespace nnlab::experiments
