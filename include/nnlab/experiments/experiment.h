// The course experiments: each one a small program over the library that measures, writes
// every number it measured to DIR/results.json, and then renders DIR/report.md and its
// plots from that file alone, so a claim in a report is always computed from the results.
//
//   experiments::ExperimentOptions o;
//   o.out = "runs/ce";
//   o.quick = true;
//   experiments::ExperimentOutput out = experiments::run_experiment("ce-vs-mse", o, observer);
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nnlab/report/plot.h"
#include "nnlab/train/observer.h"

namespace nnlab::experiments {

struct ExperimentOptions {
  std::filesystem::path out;       // the experiment directory; must be empty or absent
  bool quick = false;              // the short version the tests run
  std::filesystem::path data_dir;  // searched first for datasets (CIFAR-10, SVHN, ...)
  int threads = 0;                 // compute threads (0: every core)
  uint64_t seed = 0;               // every random choice derives from it
  // The nnlab program: cnn-compare trains each model in its own `nnlab train` process to
  // measure that model's peak memory. Empty: cnn-compare refuses to run.
  std::string trainer;
  report::PlotOptions plot;
};

// Progress: plain messages and the training runs' own progress. The library never prints.
class ExperimentObserver : public train::TrainObserver {};

struct ExperimentInfo {
  std::string name;
  std::string summary;  // one line
  std::string dataset;  // the named dataset it reads (the one a download fetches)
};

// ce-vs-mse, convexity, mlp-cifar10, cnn-compare.
const std::vector<ExperimentInfo>& experiments();
// ConfigError listing the names for an unknown one.
const ExperimentInfo& experiment_info(const std::string& name);

struct ExperimentOutput {
  std::filesystem::path dir, report, results;
  std::vector<report::PlotOutput> plots;
  bool all_png() const;
};

// Runs the experiment into options.out: results.json, then report.md and the plots.
// Throws ConfigError for an unknown name or a non-empty output directory, DataError for
// missing data, Error for a failed measurement.
ExperimentOutput run_experiment(const std::string& name, const ExperimentOptions& options,
                                ExperimentObserver& observer);

// Writes report.md and the plots of an experiment directory again from its results.json
// (after installing gnuplot, say). Throws IoError for a missing or unreadable file.
ExperimentOutput render_experiment(const std::filesystem::path& dir, const report::PlotOptions& plot = {});

}  // namespace nnlab::experiments
