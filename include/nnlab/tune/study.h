// Study: a named optimisation in a storage, driven with Optuna's ask/tell. optimize() is one
// worker's loop; K worker processes each run it on the same study, coordinated only by the
// storage: trial numbers, the --trials target and grid points are allocated in its
// transactions, so the workers need no other channel.
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
  double heartbeat_s = 5;
  double stale_after_s = 60;  // another machine's running trial without a heartbeat this long is interrupted
  int max_attempts = 5;      // a trial interrupted this often is not retried again
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
  static Study create_or_load(SqliteStorage& storage, const std::string& name, Direction direction,
                              const SearchSpace& space, const nlohmann::json& objective);
  // An existing study; ConfigError listing the storage's studies if there is none of that name.
  static Study load(SqliteStorage& storage, const std::string& name);

  const StudyRecord& record() const { return record_; }
  const std::string& name() const { return record_.name; }
  Direction direction() const { return record_.direction; }
  const SearchSpace& space() const { return record_.space; }
  std::vector<FrozenTrial> trials() const { return storage_->load_trials(record_.id); }

  // The next trial with its parameters (a queued retry, or freshly sampled); nullopt when
  // the study has its n_trials or the sampler has nothing left to propose.
  std::optional<FrozenTrial> ask(Sampler& sampler, int n_trials, uint64_t seed);
  void tell(const FrozenTrial& trial, const ObjectiveResult& result, int max_attempts = 5);
  // Interrupts the running trials of workers that are gone and queues their retries.
  int recover_stale_trials(double stale_after_s, int max_attempts);

  // Asks, evaluates and tells until the target, the timeout or a stop request; while other
  // workers run the last trials it waits for them, taking over any they leave interrupted.
  void optimize(Sampler& sampler, const Pruner* pruner, Objective& objective, const OptimizeOptions& options,
                StudyObserver* observer = nullptr);

 private:
  Study(SqliteStorage& storage, StudyRecord record) : storage_(&storage), record_(std::move(record)) {}
  SqliteStorage* storage_;
  StudyRecord record_;
};

}  // namespace nnlab::tune
