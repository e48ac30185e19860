// One mlp-cifar10 search (a tuning study) run to its trial budget, either in this process
// or by K worker processes that share the study through its SQLite storage: the tune
// layer's own way of running trials in parallel (tune::run_worker_processes, the storage's
// claims and stale-trial recovery), with a worker being `nnlab experiment --search-worker
// JOB` reading the job this file writes.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "experiments/mlp_tuning.h"
#include "nnlab/experiments/experiment.h"

namespace nnlab::experiments {

struct SearchJob {
  std::string study;            // its name in the storage
  std::string sampler;          // grid, random or gp
  int startup_trials = -1;      // gp: random trials before the model
  int trials = 0;               // the study's target
  uint64_t seed = 0;            // the sampler's seed (trial n draws from mix(seed, n))
  bool grid_space = false;      // the learning rate × width grid, else the full space
  GridValues grid;
  train::TrainConfig base;
  std::filesystem::path storage_file, trials_dir;

  nlohmann::json to_json() const;
  static SearchJob from_json(const nlohmann::json& j);
};

// The study's trials, as tune::trial_to_json writes them, after it reached its target.
// workers > 1: `trainer` (this nnlab) is started that many times on the job, each worker
// with max(1, threads / workers) compute threads (threads 0: every core). Throws Error
// naming a worker that failed.
nlohmann::json run_search(const SearchJob& job, int workers, const std::string& trainer, int threads,
                          ExperimentObserver& observer);

}  // namespace nnlab::experiments
