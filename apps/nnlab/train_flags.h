// The flags of `nnlab train` (and of the verbs that build a model or load data the same
// way): one per key of train::TrainConfig::table(), spelled by flag_for (--batch-size for
// batch_size), with the table's help and the default configuration's values. A
// --config FILE.json gives defaults for any of them; flags on the command line win.
#pragma once

#include <CLI/CLI.hpp>
#include <deque>
#include <string>
#include <variant>
#include <vector>

#include "nnlab/train/config.h"

namespace nnlab::cli {

class TrainFlags {
 public:
  enum Group { Model = 1, Data = 2, Optimization = 4, Run = 8, All = 15 };
  // Declares the flags of the given groups on `verb`.
  TrainFlags(CLI::App& verb, int groups = All);
  // The configuration: defaults, then the --config file, then the flags given.
  train::TrainConfig resolve() const;
  // The flags given on the command line, applied over `base`.
  train::TrainConfig resolve(train::TrainConfig base) const;
  // The keys the command line sets (--augment as `crop` and `flip`), with their values; and
  // the --config file, if one was given.
  nlohmann::json given() const;
  const std::string& config_file() const { return config_file_; }

 private:
  // What CLI11 parses a flag's value into: the option's own C++ type.
  using Value = std::variant<bool, int, int64_t, uint64_t, float, double, std::string, std::vector<int64_t>,
                             std::vector<std::string>>;
  struct Flag {
    const Option<train::TrainConfig>* option;
    CLI::Option* cli;
    Value* value;
  };
  void add(CLI::App& verb, const Option<train::TrainConfig>& option);

  std::deque<Value> values_;  // stable addresses for CLI11
  std::string config_file_;
  std::vector<std::string> augment_;  // --augment: a shorthand for --crop and --flip
  std::vector<Flag> flags_;
};

}  // namespace nnlab::cli
