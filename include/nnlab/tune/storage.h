// SqliteStorage: studies and their trials in one SQLite file, shared by every process
// that tunes the same study.
//
// Durability: each change (a new trial, its parameters, an intermediate value, a state) is
// its own short transaction, committed before the call returns, in WAL mode with
// synchronous=FULL; a process killed at any moment leaves every earlier change on disk.
// Concurrency: writers take the lock up front (BEGIN IMMEDIATE, so a reader never has to
// upgrade and deadlock), wait on a busy timeout, and retry the whole transaction with
// jittered backoff, so K workers never surface "database is locked".
// Recovery: a running trial records its worker (host, pid, process start time) and a
// heartbeat; recover_stale_trials() marks the trials of vanished workers failed and queues
// a retry with the same parameters.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nnlab/tune/search_space.h"
#include "nnlab/tune/trial.h"

namespace nnlab::tune {

// "sqlite:///studies/a.db" (relative path, as SQLAlchemy and Optuna read it) or
// "sqlite:////abs/a.db" (absolute). Throws ConfigError explaining the accepted form.
std::filesystem::path sqlite_path_from_url(const std::string& url);

struct StudyRecord {
  int64_t id = 0;
  std::string name;
  Direction direction = Direction::Minimize;
  SearchSpace space;
  nlohmann::json objective;  // what the study optimises, for `nnlab study show`
  double created_at = 0;
};

struct TrialCounts {
  int counted = 0;  // trials that count toward the study's target (any state)
  int running = 0;
  int waiting = 0;
};

class SqliteStorage {
 public:
  // Opens (creating if needed) the database at the URL. Throws ConfigError for a bad
  // URL, IoError for a file that cannot be opened or is not an nnlab study database.
  explicit SqliteStorage(const std::string& url);
  ~SqliteStorage();
  SqliteStorage(const SqliteStorage&) = delete;
  SqliteStorage& operator=(const SqliteStorage&) = delete;

  const std::filesystem::path& path() const;

  // Creates the study, or loads it when it exists with the same direction and space;
  // throws ConfigError naming the difference otherwise.
  StudyRecord create_or_load_study(const std::string& name, Direction direction, const SearchSpace& space,
                                   const nlohmann::json& objective);
  std::optional<StudyRecord> find_study(const std::string& name);
  std::vector<StudyRecord> list_studies();

  // Starts a trial for this process: a queued retry if there is one, else a new trial
  // (without parameters yet) unless the study already counts `max_trials` (≤ 0: no limit).
  std::optional<FrozenTrial> start_trial(int64_t study_id, int max_trials);
  // Writes a new trial's parameters; with a claim (a grid point's key), only if no other
  // trial holds that claim: returns false then and writes nothing.
  bool set_params(int64_t trial_id, const Params& params, const std::string& claim = "");
  // Removes a trial that never got parameters (the sampler had nothing left to propose).
  void discard_trial(int64_t trial_id);
  void report(int64_t trial_id, int64_t step, double value);  // a repeated step is ignored
  void heartbeat(int64_t trial_id);
  void finish_trial(int64_t trial_id, TrialState state, std::optional<double> value, const std::string& message,
                    const nlohmann::json& metrics = nullptr);
  // Marks a running trial failed as interrupted and, while it has had fewer than
  // max_attempts attempts, queues a retry with the same parameters (and grid claim).
  void interrupt_trial(int64_t trial_id, const std::string& reason, int max_attempts);
  // Interrupts the running trials whose worker is gone: a process of this machine that no
  // longer runs, or any worker whose heartbeat is older than stale_after_s. Returns how many.
  int recover_stale_trials(int64_t study_id, double stale_after_s, int max_attempts);

  std::vector<FrozenTrial> load_trials(int64_t study_id);
  std::set<std::string> claims(int64_t study_id);
  TrialCounts counts(int64_t study_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nnlab::tune
