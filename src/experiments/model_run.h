// One `nnlab train` of an experiment, as a child process in its own run directory, maybe
// under a launcher (`mpirun -np 4 -H a:2,b:2`): started fresh from a configuration file,
// or resumed from the checkpoint an interrupted run left. The child's exit status, wall
// time and peak memory come back with what its run directory holds afterwards.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/experiments/experiment.h"
#include "nnlab/train/config.h"

namespace nnlab::experiments {

// The words of a launcher command line, split as a POSIX shell splits them (blanks
// separate; '...' and "..." quote; a backslash escapes the next character) but with no
// expansion of any kind, since no shell runs it. ConfigError for an unterminated quote.
std::vector<std::string> split_launcher(const std::string& text);

struct ModelRunRequest {
  std::string label;                // the model, for messages
  train::TrainConfig config;        // what to train (its `out` is ignored: `run_dir` is)
  std::filesystem::path run_dir;    // the run directory
  std::filesystem::path logs_dir;   // the child's stdout and stderr, and the config file
  std::string trainer;              // the nnlab program
  std::vector<std::string> launcher;  // words before the trainer (empty: none)
  bool resume = false;              // continue run_dir from its checkpoint
};

struct ModelRunOutcome {
  std::vector<std::string> argv;
  bool ok = false;
  std::string failure;              // "`mpirun ...` exited with status 1: <last stderr line>"
  double wall_seconds = 0;
  int64_t peak_rss_bytes = 0;
  std::vector<nlohmann::json> history;  // the run's metrics.jsonl, one object per epoch
  nlohmann::json summary;           // its summary.json (null when it failed)
};

// Runs it to the end, passing each finished epoch to observer.on_epoch. Throws IoError
// when the child cannot be started.
ModelRunOutcome run_model(const ModelRunRequest& request, ExperimentObserver& observer);

// A run directory that holds its summary.json and `epochs` epochs: what a finished run left
// (no command, wall time or peak memory: those were the earlier session's). Else nullopt.
std::optional<ModelRunOutcome> finished_run(const std::filesystem::path& run_dir, int64_t epochs);

// The epochs a run directory's metrics.jsonl holds (malformed lines, from a run killed
// while writing, are skipped).
std::vector<nlohmann::json> read_history(const std::filesystem::path& run_dir);

}  // namespace nnlab::experiments
