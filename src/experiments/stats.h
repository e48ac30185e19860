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

// Whether two sets of repeated measurements are told apart: the difference of their means
// (a − b) against the spread, the larger of the two ranges (max − min over the repeats).
// The range, not the standard deviation: with three repeats a standard deviation is a
// poor estimate, while the range says plainly that some repeat of one did as well as some
// repeat of the other. Separated only when |difference| exceeds the spread; never with
// fewer than two values on a side (no spread is known).
struct Separation {
  double difference = 0;
  double spread = 0;  // NaN with fewer than two values on a side
  bool separated = false;
};
Separation separate(std::span<const double> a, std::span<const double> b);

// The first position whose value is at least `target`, or nullopt when none is.
std::optional<int64_t> first_reaching(std::span<const double> values, double target);

}  // namespace nnlab::experiments
