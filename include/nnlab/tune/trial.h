// A trial as the storage records it: its parameters, the values it reported on the way
// (intermediate values, e.g. validation accuracy per epoch), its state and final value.
// The states and their meaning follow Optuna's.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/tune/search_space.h"

namespace nnlab::tune {

enum class TrialState {
  Waiting,   // queued (a retry of an interrupted trial), not yet started
  Running,   // a worker evaluates it now
  Complete,  // finished with a value
  Pruned,    // stopped early by the pruner
  Failed,    // the objective failed, or the worker running it was interrupted
};

std::string_view to_string(TrialState state);
TrialState trial_state_from_string(std::string_view text);  // throws IoError if unknown

enum class Direction { Minimize, Maximize };
std::string_view to_string(Direction direction);
std::optional<Direction> direction_from_string(std::string_view text);

// True when a is a better objective value than b in this direction.
inline bool better(Direction d, double a, double b) { return d == Direction::Minimize ? a < b : a > b; }

struct IntermediateValue {
  int64_t step = 0;
  double value = 0;
};

struct FrozenTrial {
  int64_t id = 0;       // storage key
  int number = 0;       // 0, 1, 2, ... within the study, in creation order
  TrialState state = TrialState::Running;
  std::optional<double> value;  // Complete trials
  Params params;
  std::vector<IntermediateValue> intermediate;  // ascending step
  std::string message;          // why it failed (with the objective's stderr tail) or was pruned
  nlohmann::json metrics;       // the objective's final metrics (training runs), or null
  std::optional<int> retry_of;  // number of the interrupted trial this one repeats
  int attempt = 1;              // 1 + the number of interrupted attempts before it
  bool counted = true;          // counts toward --trials (false: interrupted and retried)
  double started_at = 0, finished_at = 0;  // Unix seconds; finished_at 0 while unfinished

  bool finished() const {
    return state == TrialState::Complete || state == TrialState::Pruned || state == TrialState::Failed;
  }
  std::optional<double> last_intermediate() const {
    if (intermediate.empty()) return std::nullopt;
    return intermediate.back().value;
  }
};

// The best complete trial of a history (lowest number among ties), if any.
const FrozenTrial* best_trial(const std::vector<FrozenTrial>& trials, Direction direction);

}  // namespace nnlab::tune
