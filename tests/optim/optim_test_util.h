// Helpers for the optimizer and schedule tests: golden files and deviation bookkeeping.
#pragma once

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

inline nlohmann::json load_golden(const std::string& file) {
  const std::string path = std::string(NNLAB_SOURCE_DIR) + "/tests/data/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + " (regenerate with scripts/golden/make_optim_golden.py)");
  return nlohmann::json::parse(in);
}

// The largest deviations seen (relative ones over |want| > 1e-3, where they mean something),
// and whether each value is within |got − want| ≤ rtol·|want| + atol.
struct Deviation {
  double rtol, atol;
  double max_abs = 0, max_rel = 0;
  bool check(double got, double want) {
    const double diff = std::fabs(got - want);
    max_abs = std::max(max_abs, diff);
    if (std::fabs(want) > 1e-3) max_rel = std::max(max_rel, diff / std::fabs(want));
    return diff <= rtol * std::fabs(want) + atol;
  }
};
