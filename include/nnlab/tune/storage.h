// Storage: where studies and their trials live, shared by every worker that tunes the same
// study. `Study` and the samplers see only this interface; open_storage() picks a backend
// from the URL:
//   memory:                                   this process only (tests, throwaway studies)
//   sqlite:///rel/path.db, sqlite:////abs.db  one file, workers on one machine
//   postgresql://USER[:PASS]@HOST[:PORT]/DB   a server shared by workers on many machines
//     (also postgres://, and ?host=/socket/dir for a Unix socket)
//
// Every backend keeps the same promises, checked by one test suite run on each:
// - each change is committed before the call returns;
// - trial numbers, the target count and grid claims are allocated atomically, so however
//   many workers ask at once a study ends with exactly its target and no grid point twice;
// - a running trial records its worker and a heartbeat on the storage's own clock;
//   recover_stale_trials() fails the trials of vanished workers and queues their retries.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nnlab/tune/search_space.h"
#include "nnlab/tune/trial.h"

namespace nnlab::tune {

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

// Which process runs a trial, so that another process can tell whether it still does.
struct WorkerIdentity {
  std::string host;  // hostname and boot id: a reboot is another host
  int64_t pid = 0;
  int64_t start_ticks = 0;  // process start time (clock ticks after boot): tells a reused pid apart
};

struct RunningTrial {
  int64_t id = 0;
  int number = 0;
  WorkerIdentity owner;
  double silent_s = 0;  // since its last heartbeat, on the storage's clock
};

class Storage {
 public:
  virtual ~Storage() = default;

  // The URL it was opened with, without a password: for messages.
  virtual const std::string& url() const = 0;

  // Creates the study, or loads it when it exists with the same direction and space;
  // throws ConfigError naming the difference otherwise.
  StudyRecord create_or_load_study(const std::string& name, Direction direction, const SearchSpace& space,
                                   const nlohmann::json& objective);
  virtual std::optional<StudyRecord> find_study(const std::string& name) = 0;
  virtual std::vector<StudyRecord> list_studies() = 0;

  // Starts a trial for this process: a queued retry if there is one, else a new trial
  // (without parameters yet) unless the study already counts `max_trials` (≤ 0: no limit).
  virtual std::optional<FrozenTrial> start_trial(int64_t study_id, int max_trials) = 0;
  // Writes a new trial's parameters; with a claim (a grid point's key), only if no other
  // trial holds that claim: returns false then and writes nothing.
  virtual bool set_params(int64_t trial_id, const Params& params, const std::string& claim = "") = 0;
  // Removes a trial that never got parameters (the sampler had nothing left to propose).
  virtual void discard_trial(int64_t trial_id) = 0;
  virtual void report(int64_t trial_id, int64_t step, double value) = 0;  // a repeated step is ignored
  virtual void heartbeat(int64_t trial_id) = 0;
  // Only a running trial is finished: one already failed as stale stays failed.
  virtual void finish_trial(int64_t trial_id, TrialState state, std::optional<double> value,
                            const std::string& message, const nlohmann::json& metrics = nullptr) = 0;
  // Marks a running trial failed as interrupted and, while it has had fewer than
  // max_attempts attempts, queues a retry with the same parameters (and grid claim),
  // recorded as a retry of the original trial. With silent_for_s ≥ 0 it does so only if
  // the trial's heartbeat is still at least that old (checked in the same transaction).
  // Returns false when the trial was not running (finished or recovered meanwhile).
  virtual bool interrupt_trial(int64_t trial_id, const std::string& reason, int max_attempts,
                               double silent_for_s = -1) = 0;
  virtual std::vector<RunningTrial> running_trials(int64_t study_id) = 0;
  // Interrupts the running trials whose worker is gone: a process of this machine that no
  // longer runs, or any worker whose heartbeat is older than grace_s. Returns how many.
  int recover_stale_trials(int64_t study_id, double grace_s, int max_attempts);

  virtual std::vector<FrozenTrial> load_trials(int64_t study_id) = 0;
  // The grid points trials hold: key -> the holding trial's number.
  virtual std::map<std::string, int> claim_holders(int64_t study_id) = 0;
  std::set<std::string> claims(int64_t study_id);
  virtual TrialCounts counts(int64_t study_id) = 0;

  // Writes a whole study as another storage holds it (trials with their numbers, states,
  // values and retries; claims), in one transaction. ConfigError if the name is taken.
  virtual void import_study(const StudyRecord& study, const std::vector<FrozenTrial>& trials,
                            const std::map<std::string, int>& claim_holders) = 0;

 protected:
  // Inserts the study unless one of that name exists (another worker may create it first).
  virtual void add_study_if_absent(const std::string& name, Direction direction, const SearchSpace& space,
                                   const nlohmann::json& objective) = 0;
};

enum class StorageAccess {
  Create,    // creates the database (file, schema) when it does not exist yet
  Existing,  // reading: a mistyped path is an error, never a new empty database
  // Looking only (nnlab board): like Existing, and nothing is written, not even SQLite's
  // journal mode; no transaction takes a writer's lock, so a viewer never stalls a worker.
  // SQLite is opened SQLITE_OPEN_READONLY; a database no process has open (no -wal file
  // beside it) is read as immutable, so that no -wal or -shm file is created next to it.
  ReadOnly,
};

// Opens the storage of a URL. Throws ConfigError for a URL that is not one of the forms
// above, IoError for a database that cannot be opened or is not nnlab's.
// patience_s: how long a storage that is locked or unreachable is retried before giving up.
std::unique_ptr<Storage> open_storage(const std::string& url, StorageAccess access = StorageAccess::Create,
                                      double patience_s = 300);
// Checks only the URL's form (ConfigError), touching nothing.
void check_storage_url(const std::string& url);
// The URL with any password replaced by "***".
std::string redact_storage_url(const std::string& url);
// The database file of an sqlite:/// URL; nullopt for the other backends.
std::optional<std::filesystem::path> storage_file(const std::string& url);

// Copies the study `name` (every study when empty) from one storage to another.
// Returns the names copied. ConfigError if a study is missing or already in `to`.
std::vector<std::string> copy_studies(Storage& from, Storage& to, const std::string& name = "");

}  // namespace nnlab::tune
