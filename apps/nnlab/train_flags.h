// The flags of `nnlab train` (and of the verbs that build a model or load data the same
// way), one per TrainConfig key: --batch-size for batch_size. A --config FILE.json gives
// defaults for any of them; flags on the command line win.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
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

 private:
  struct Flag {
    CLI::Option* option;
    std::function<void(train::TrainConfig&, const train::TrainConfig&)> copy;
  };
  template <class T>
  void add(CLI::App& verb, const std::string& name, T train::TrainConfig::*field, const std::string& help);

  train::TrainConfig parsed_;  // what CLI11 writes the flags into
  std::string config_file_;
  std::vector<std::string> augment_;  // --augment: a shorthand for --crop and --flip
  std::vector<Flag> flags_;
};

}  // namespace nnlab::cli
