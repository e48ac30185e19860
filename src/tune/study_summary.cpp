#include "nnlab/tune/study_summary.h"

#include <cmath>

namespace nnlab::tune {

namespace {

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

}  // namespace

nlohmann::json trial_to_json(const FrozenTrial& t) {
  nlohmann::json intermediate = nlohmann::json::array();
  for (auto& iv : t.intermediate) intermediate.push_back({iv.step, number_or_null(iv.value)});
  nlohmann::json j{{"number", t.number},
                   {"state", std::string(to_string(t.state))},
                   {"value", t.value ? number_or_null(*t.value) : nlohmann::json()},
                   {"params", t.params},
                   {"intermediate", intermediate},
                   {"message", t.message},
                   {"metrics", t.metrics},
                   {"attempt", t.attempt},
                   {"retry_of", t.retry_of ? nlohmann::json(*t.retry_of) : nlohmann::json()}};
  j["duration_s"] = t.finished_at > 0 && t.started_at > 0 ? nlohmann::json(t.finished_at - t.started_at) : nlohmann::json();
  return j;
}

nlohmann::json study_summary(const StudyRecord& study, const std::vector<FrozenTrial>& trials) {
  nlohmann::json states{{"complete", 0}, {"pruned", 0}, {"failed", 0}, {"interrupted", 0}, {"running", 0}, {"waiting", 0}};
  int n_trials = 0;
  for (auto& t : trials) {
    // An interrupted attempt that was retried is failed but not counted: shown apart.
    std::string key = t.state == TrialState::Failed && !t.counted ? "interrupted" : std::string(to_string(t.state));
    states[key] = states[key].get<int>() + 1;
    if (t.counted && t.finished()) ++n_trials;
  }
  nlohmann::json j{{"study", study.name},
                   {"direction", std::string(to_string(study.direction))},
                   {"objective", study.objective},
                   {"n_trials", n_trials},
                   {"states", states}};
  const FrozenTrial* best = best_trial(trials, study.direction);
  j["best_value"] = best ? nlohmann::json(*best->value) : nlohmann::json();
  j["best_params"] = best ? nlohmann::json(best->params) : nlohmann::json();
  j["best_trial"] = best ? nlohmann::json(best->number) : nlohmann::json();
  j["best_metrics"] = best ? best->metrics : nlohmann::json();
  return j;
}

}  // namespace nnlab::tune
