// SearchSpace: the hyperparameters a study explores, read from a JSON file.
//
//   {
//     "lr":      {"type": "float", "low": 1e-4, "high": 0.3, "log": true},
//     "depth":   {"type": "int", "low": 1, "high": 3},
//     "width":   {"type": "int", "low": 32, "high": 512, "log": true, "repeat_for": "depth"},
//     "bn":      {"type": "categorical", "choices": [true, false]},
//     "momentum": {"type": "float", "low": 0.5, "high": 0.99,
//                  "condition": {"param": "optimizer", "equals": "sgd"}}
//   }
//
// Types (distribution.h): float (linear, log, or with a "step"), int (linear or log,
// "step" ≥ 1) and categorical ("choices": strings, numbers or booleans). A "condition" makes a parameter
// exist only when another one has a value: "equals" X, "in" [X, ...], "greater_than" N or
// "less_than" N. "repeat_for": "depth" expands one entry into width_0 ... width_{max-1},
// width_i existing only when depth > i (the layer widths of a network of that depth).
// "grid": [values] or "grid_points": n choose the values the grid sampler tries.
// "flag" names the command-line flag of the trainer; null: none; without it, the trainer
// adapter derives it from the name (see train_adapter.h).
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/tune/distribution.h"

namespace nnlab::tune {

using Params = std::map<std::string, ParamValue>;

// The test that makes a conditional parameter exist.
struct Condition {
  enum class Op { Equals, In, GreaterThan, LessThan };
  std::string param;
  Op op = Op::Equals;
  std::vector<ParamValue> values;  // Equals: one; In: several
  double bound = 0;                // GreaterThan, LessThan

  bool holds(const ParamValue& parent_value) const;
  nlohmann::json to_json() const;
};

// A parameter: its distribution, and what the search space says around it.
struct ParamSpec : Distribution {
  std::string name;
  std::vector<ParamValue> grid;      // the grid sampler's values (filled for every type)
  std::optional<Condition> condition;
  std::optional<std::string> flag;   // trainer flag; nullopt: not passed to the trainer
  std::string group;                 // "width" for width_0.. made by repeat_for

  size_t choice_index(const ParamValue& value) const;  // throws ConfigError if absent
  // Throws ConfigError naming the parameter when value is not in its range/choices.
  void check(const ParamValue& value) const;
  nlohmann::json to_json() const;
};

class SearchSpace {
 public:
  SearchSpace() = default;
  // `source` names the file in messages. Throws ConfigError naming the field at fault.
  static SearchSpace from_json(const nlohmann::ordered_json& spec, const std::string& source = "search space");
  static SearchSpace parse(std::string_view text, const std::string& source = "search space");
  static SearchSpace load(const std::filesystem::path& file);

  // Parents come before the parameters whose condition names them.
  const std::vector<ParamSpec>& params() const { return params_; }
  const ParamSpec* find(std::string_view name) const;
  size_t size() const { return params_.size(); }

  // Whether spec exists given the values of the parameters before it.
  bool is_active(const ParamSpec& spec, const Params& assigned) const;
  // Throws ConfigError unless params holds exactly the active parameters, each in range.
  void validate(const Params& params) const;
  // Drops the parameters that are not active (a sampler may propose too many).
  Params prune_inactive(const Params& params) const;

  // Canonical JSON (expanded, every field): what a study stores and compares on resume.
  nlohmann::json to_json() const;
  static SearchSpace from_canonical(const nlohmann::json& canonical);

 private:
  std::vector<ParamSpec> params_;
};

}  // namespace nnlab::tune
