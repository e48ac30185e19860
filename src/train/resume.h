// What a resumed run may change. A run continues with the configuration it started with;
// a user may ask for more (or fewer) epochs, a new learning rate (the usual cure after a
// divergence), and other threads or data workers, on the command line or by editing the
// run's config.json. Any other change would make the run's epochs disagree with each
// other, and is refused with the key, both values and what to do.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nnlab/train/config.h"

namespace nnlab::train {

struct ResumePlan {
  TrainConfig config;                 // what the rest of the run trains with
  bool lr_changed = false;            // the schedule's base rate is rescaled to the new `lr`
  bool schedule_changed = false;      // `epochs` or `lr` changed: the rate is recomputed
  std::vector<std::string> messages;  // one per change, for the observer
};

// `changes`: keys and values the user gave beside `resume` (a JSON object).
ResumePlan plan_resume(const std::filesystem::path& run_dir, const nlohmann::json& changes);

// The keys plan_resume lets a resumed run change.
const std::vector<std::string>& resumable_keys();

}  // namespace nnlab::train
