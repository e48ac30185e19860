// What every storage backend shares: resuming a study only with the same definition, and
// the recovery of trials whose worker is gone (one mechanism over each backend's records).
#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/tune/storage.h"
#include "tune/worker_identity.h"

namespace nnlab::tune {

namespace {

std::string first_difference(const SearchSpace& a, const SearchSpace& b) {
  for (auto& p : a.params()) {
    const ParamSpec* q = b.find(p.name);
    if (!q) return fmt::format("parameter '{}' is not in the new space", p.name);
    if (p.to_json() != q->to_json())
      return fmt::format("parameter '{}' was {} and is now {}", p.name, p.to_json().dump(), q->to_json().dump());
  }
  for (auto& q : b.params())
    if (!a.find(q.name)) return fmt::format("parameter '{}' is new", q.name);
  return "the parameter order differs";
}

}  // namespace

StudyRecord Storage::create_or_load_study(const std::string& name, Direction direction, const SearchSpace& space,
                                          const nlohmann::json& objective) {
  std::optional<StudyRecord> existing = find_study(name);
  if (!existing) {
    add_study_if_absent(name, direction, space, objective);
    existing = find_study(name);  // another process may have created it first: compare with theirs
    if (!existing) throw IoError(fmt::format("study '{}' vanished from {} as it was created", name, url()));
  }
  if (existing->direction != direction)
    throw ConfigError(fmt::format("study '{}' in {} was created to {}; give direction {} or another study name",
                                  name, url(), to_string(existing->direction), to_string(existing->direction)));
  if (existing->space.to_json() != space.to_json())
    throw ConfigError(fmt::format("study '{}' in {} was created with another search space ({}); resume it with the "
                                  "same search space or give another study name",
                                  name, url(), first_difference(existing->space, space)));
  return *existing;
}

int Storage::recover_stale_trials(int64_t study_id, double grace_s, int max_attempts) {
  int recovered = 0;
  for (const RunningTrial& r : running_trials(study_id)) {
    std::optional<bool> alive = process_alive(r.owner);
    if (alive == false) {
      // On this machine and no longer running: no need to wait out the grace period.
      recovered += interrupt_trial(
          r.id, fmt::format("interrupted: its worker (pid {} on this machine) stopped while it ran", r.owner.pid),
          max_attempts);
    } else if (!alive && r.silent_s > grace_s) {
      std::string host = r.owner.host.substr(0, r.owner.host.find('/'));  // without the boot id
      recovered += interrupt_trial(r.id,
                                   fmt::format("interrupted: no heartbeat from its worker (pid {} on {}) for {:.0f} s",
                                               r.owner.pid, host, r.silent_s),
                                   max_attempts, grace_s);
    }
  }
  return recovered;
}

std::set<std::string> Storage::claims(int64_t study_id) {
  std::set<std::string> keys;
  for (auto& [key, number] : claim_holders(study_id)) keys.insert(key);
  return keys;
}

}  // namespace nnlab::tune
