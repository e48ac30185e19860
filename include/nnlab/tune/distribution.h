// Distribution: the values one parameter of a search space takes (float, int or
// categorical, as Optuna's distributions.py), its parsing from a search-space entry, and the
// sampler-facing coordinate the samplers model.
//
//   {"type": "float", "low": 1e-4, "high": 0.3, "log": true}
//   {"type": "int", "low": 32, "high": 512, "step": 32}
//   {"type": "categorical", "choices": ["sgd", "adam"]}
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nnlab::tune {

// A parameter's value: a JSON number (float, int), string or boolean (categorical).
using ParamValue = nlohmann::json;

enum class ParamType { Float, Int, Categorical };

struct Distribution {
  ParamType type = ParamType::Float;
  double low = 0, high = 1;  // float and int bounds, both included
  bool log = false;
  double step = 0;                  // int: ≥ 1; float: 0 (continuous) or the spacing
  std::vector<ParamValue> choices;  // categorical

  // From the fields type, low, high, log, step and choices of a search-space entry (others
  // are ignored). Throws ConfigError saying which field is wrong.
  static Distribution parse(const nlohmann::ordered_json& entry);
  // From the fields written by to_json.
  static Distribution from_canonical(const nlohmann::json& j);

  bool is_numeric() const { return type != ParamType::Categorical; }
  bool is_boolean() const;  // categorical with choices exactly {true, false}

  // The sampler-facing coordinate: log(v) for log parameters, v for linear ones, the
  // choice index for categorical ones; and back, snapped to step and clamped to bounds.
  double to_internal(const ParamValue& value) const;
  ParamValue from_internal(double x) const;
  double internal_low() const;
  double internal_high() const;
  std::optional<size_t> find_choice(const ParamValue& value) const;

  // Why `value` is not a value of the distribution ("0.5 is outside [1, 2]"), or nothing.
  std::optional<std::string> violation(const ParamValue& value) const;
  // type, and low, high, log, step or choices, into `j`.
  void to_json(nlohmann::json& j) const;
};

// A value as a program receives it on its command line: 0.001, 64, adam, true.
std::string format_value(const ParamValue& value);
// For tables and logs: floats with 6 significant digits (0.000185913).
std::string display_value(const ParamValue& value);

}  // namespace nnlab::tune
