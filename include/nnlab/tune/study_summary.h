// A study as JSON, for `nnlab tune --json` and `nnlab study show|list --json`.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "nnlab/tune/storage.h"
#include "nnlab/tune/trial.h"

namespace nnlab::tune {

// {"number", "state", "value", "params", "intermediate": [[step, value], ...], "message",
//  "metrics", "attempt", "retry_of", "duration_s"}
nlohmann::json trial_to_json(const FrozenTrial& trial);

// {"study", "direction", "objective", "n_trials", "states": {"complete": n, ...},
//  "best_value", "best_params", "best_trial", "best_metrics"} (best_* null without a
// complete trial). "interrupted" counts the failed attempts that were retried. n_trials counts the finished trials that count toward --trials:
// complete, pruned and failed, not the interrupted attempts that were retried.
nlohmann::json study_summary(const StudyRecord& study, const std::vector<FrozenTrial>& trials);

}  // namespace nnlab::tune
