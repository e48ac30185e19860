// Helpers for tests that compare against golden files under tests/data/.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "nnlab/io/safetensors.h"
#include "nnlab/tensor.h"

namespace nnlab::testing {

inline std::string data_path(const std::string& name) { return std::string(NNLAB_SOURCE_DIR) + "/tests/data/" + name; }

// max |a - b| relative to the scale of the expected tensor (max |b|, at least `floor`).
inline double relative_error(const Tensor& actual, const Tensor& expected, double floor = 1e-3) {
  auto a = actual.to_vector(), b = expected.to_vector();
  double diff = 0, scale = floor;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::abs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

inline ::testing::AssertionResult close_to(const Tensor& actual, const Tensor& expected, double tol,
                                           const std::string& what) {
  if (!actual.defined()) return ::testing::AssertionFailure() << what << ": undefined tensor";
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << what << ": shape " << shape_str(actual.shape()) << " vs expected "
                                         << shape_str(expected.shape());
  double err = relative_error(actual, expected);
  if (err <= tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": relative error " << err << " > " << tol;
}

}  // namespace nnlab::testing
