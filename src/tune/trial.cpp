#include "nnlab/tune/trial.h"

#include <fmt/format.h>

#include "nnlab/error.h"

namespace nnlab::tune {

std::string_view to_string(TrialState state) {
  switch (state) {
    case TrialState::Waiting: return "waiting";
    case TrialState::Running: return "running";
    case TrialState::Complete: return "complete";
    case TrialState::Pruned: return "pruned";
    case TrialState::Failed: return "failed";
  }
  return "unknown";
}

TrialState trial_state_from_string(std::string_view text) {
  for (auto s : {TrialState::Waiting, TrialState::Running, TrialState::Complete, TrialState::Pruned, TrialState::Failed})
    if (to_string(s) == text) return s;
  throw IoError(fmt::format("unknown trial state '{}' in the study database", text));
}

std::string_view to_string(Direction direction) {
  return direction == Direction::Minimize ? "minimize" : "maximize";
}

std::optional<Direction> direction_from_string(std::string_view text) {
  if (text == "minimize") return Direction::Minimize;
  if (text == "maximize") return Direction::Maximize;
  return std::nullopt;
}

const FrozenTrial* best_trial(const std::vector<FrozenTrial>& trials, Direction direction) {
  const FrozenTrial* best = nullptr;
  for (auto& t : trials) {
    if (t.state != TrialState::Complete || !t.value) continue;
    if (!best || better(direction, *t.value, *best->value)) best = &t;
  }
  return best;
}

}  // namespace nnlab::tune
