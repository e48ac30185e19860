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
#include <utility>
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

  // Continue the experiment in `out` where it stopped (cnn-compare only): the options are
  // those saved in out/experiment.json when it started, but for `launcher`.
  bool resume = false;

  // cnn-compare (ignored by --quick, the fixed smoke run, but for models and launcher).
  std::string budget;               // "epochs:N" or "time:300s" (empty: time:300s)
  std::vector<std::string> models;  // a subset of the six, in the experiment's order (empty: all)
  int64_t train_subset = 0;         // a stratified training subset (0: the whole training split)
  int64_t test_subset = 0;          // a stratified test subset (0: the whole test split)
  std::string launcher;             // words before `nnlab train`, e.g. "mpirun -np 4 -H a:2,b:2"

  // mlp-cifar10.
  int repeats = 0;  // each search this many times, seeds seed, seed + 1, ... (0: 3; --quick: 1)
  int workers = 1;  // trials of a search run at once, each in its own process on the study's storage

  nlohmann::json to_json() const;  // what results.json and experiment.json record
  // The options an experiment directory was started with (its experiment.json), for resume.
  static ExperimentOptions from_json(const nlohmann::json& j);
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

// Throws ConfigError naming the option for options the experiment does not take or cannot
// read (a malformed budget or launcher, an unknown model, repeats below 1, ...), before
// anything runs.
void validate_options(const std::string& name, const ExperimentOptions& options);

// Runs the experiment into options.out: results.json, then report.md and the plots.
// Throws ConfigError for an unknown name or a non-empty output directory, DataError for
// missing data, Error for a failed measurement.
ExperimentOutput run_experiment(const std::string& name, const ExperimentOptions& options,
                                ExperimentObserver& observer);

// The experiment name and options saved in `dir`/experiment.json when it started; IoError
// when there is none (not an experiment directory, or one from before resume existed).
std::pair<std::string, ExperimentOptions> load_experiment_options(const std::filesystem::path& dir);

// A worker of mlp-cifar10's parallel trials (`nnlab experiment --search-worker JOB`): runs
// trials of the study the job file names until the study has its target. IoError for a
// file that is no job.
void run_search_worker(const std::filesystem::path& job_file, ExperimentObserver& observer);

// Writes report.md and the plots of an experiment directory again from its results.json
// (after installing gnuplot, say). Throws IoError for a missing or unreadable file.
ExperimentOutput render_experiment(const std::filesystem::path& dir, const report::PlotOptions& plot = {});

}  // namespace nnlab::experiments
