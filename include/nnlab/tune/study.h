// Study: a named optimisation in a storage, driven with Optuna's ask/tell. optimize() is one
// worker's loop; K worker processes on any number of machines each run it on the same
// study, coordinated only by the storage: trial numbers, the target number of trials and
// grid points are allocated in its transactions, so the workers need no other channel.
//
// Heartbeats (Optuna's heartbeat_interval, grace_period and RetryFailedTrialCallback): a
// running trial refreshes its heartbeat every heartbeat_s; before it asks for work a worker
// fails every trial whose heartbeat is older than grace_s (or whose process on this machine
// is gone) and queues its retry with the same parameters, up to retry_failed times.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/tune/objective.h"
#include "nnlab/tune/pruner.h"
#include "nnlab/tune/sampler.h"
#include "nnlab/tune/storage.h"

namespace nnlab::tune {

struct OptimizeOptions {
  int n_trials = 0;          // the study's target number of trials; ≤ 0: until the timeout
  double timeout_s = 0;      // > 0: no trial starts after this many seconds
  uint64_t seed = 0;         // trial n samples with Generator(mix(seed, n))
  double heartbeat_s = 30;
  double grace_s = 60;       // a running trial without a heartbeat this long is failed (and retried)
  int retry_failed = 1;      // retries of a trial whose worker vanished (or was stopped)
  double poll_s = 0.25;      // while other workers finish the last trials
  const std::atomic<bool>* stop = nullptr;  // set (by a signal handler): end the running trial, retry it later
};

// Progress, reported as it happens; the CLI prints it.
class StudyObserver {
 public:
  virtual ~StudyObserver() = default;
  virtual void trial_started(const FrozenTrial& trial) {}
  // `trial` in its final state; `best` the study's best complete trial now, if any.
  virtual void trial_finished(const FrozenTrial& trial, const FrozenTrial* best) {}
  virtual void trials_recovered(int count) {}
};

class Study {
 public:
  // Creates the study or resumes it (ConfigError if its direction or space differ).
  static Study create_or_load(Storage& storage, const std::string& name, Direction direction,
                              const SearchSpace& space, const nlohmann::json& objective);
  // An existing study; ConfigError listing the storage's studies if there is none of that name.
  static Study load(Storage& storage, const std::string& name);

  const StudyRecord& record() const { return record_; }
  const std::string& name() const { return record_.name; }
  Direction direction() const { return record_.direction; }
  const SearchSpace& space() const { return record_.space; }
  std::vector<FrozenTrial> trials() const { return storage_->load_trials(record_.id); }

  // The next trial with its parameters (a queued retry, or freshly sampled); nullopt when
  // the study has its n_trials or the sampler has nothing left to propose.
  std::optional<FrozenTrial> ask(Sampler& sampler, int n_trials, uint64_t seed);
  // retry_failed: how often an interrupted trial is retried (Outcome::Interrupted).
  void tell(const FrozenTrial& trial, const ObjectiveResult& result, int retry_failed = 1);
  // Fails the running trials of workers that are gone and queues their retries.
  int recover_stale_trials(double grace_s, int retry_failed);

  // Asks, evaluates and tells until the target, the timeout or a stop request; while other
  // workers run the last trials it waits for them, taking over any they leave interrupted.
  void optimize(Sampler& sampler, const Pruner* pruner, Objective& objective, const OptimizeOptions& options,
                StudyObserver* observer = nullptr);

 private:
  Study(Storage& storage, StudyRecord record) : storage_(&storage), record_(std::move(record)) {}
  Storage* storage_;
  StudyRecord record_;
};

}  // namespace nnlab::tune
