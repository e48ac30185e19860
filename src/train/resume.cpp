#include "train/resume.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>

#include "nnlab/error.h"
#include "nnlab/train/checkpoint.h"
#include "nnlab/train/trainer.h"

namespace nnlab::train {

namespace fs = std::filesystem;

namespace {

bool resumable(const std::string& key) {
  const auto& keys = resumable_keys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string allowed_text() {
  std::vector<std::string> quoted;
  for (const std::string& k : resumable_keys()) quoted.push_back("`" + k + "`");
  return fmt::format("{}", fmt::join(quoted, ", "));
}

// The configuration the finished epochs ran with: the checkpoint's record, or for older
// checkpoints the one model.safetensors carries.
nlohmann::json trained_config(const fs::path& run_dir, int64_t& epochs_done) {
  const fs::path checkpoint = run_dir / "checkpoint.safetensors";
  if (!fs::exists(checkpoint)) return nullptr;
  CheckpointSummary s = peek_checkpoint(checkpoint);
  epochs_done = s.epochs_done;
  if (!s.config.is_null()) return s.config;
  if (fs::exists(run_dir / "model.safetensors")) {
    WeightsFile w = load_weights(run_dir / "model.safetensors");
    if (w.info) return w.info->config;
  }
  return nullptr;
}

}  // namespace

const std::vector<std::string>& resumable_keys() {
  static const std::vector<std::string> keys{"epochs", "lr", "threads", "workers"};
  return keys;
}

ResumePlan plan_resume(const fs::path& run_dir, const nlohmann::json& changes) {
  ResumePlan plan;
  plan.config = load_run_config(run_dir);
  const TrainConfig saved = plan.config;
  int64_t epochs_done = 0;
  const nlohmann::json trained = trained_config(run_dir, epochs_done);
  const std::optional<TrainConfig> before =
      trained.is_null() ? std::nullopt : std::optional(TrainConfig::from_json(trained));

  // Edits of config.json since the epochs ran are changes like those of the command line.
  nlohmann::json wanted = nlohmann::json::object();
  if (before) {
    for (const Option<TrainConfig>& o : TrainConfig::table().options()) {
      if (o.key == "out" || o.get(*before) == o.get(saved)) continue;
      if (!resumable(o.key))
        throw ConfigError(fmt::format("{}/config.json changes `{}` from {} to {} since the run's first epoch; a "
                                      "resumed run may change only {}: restore it, or start a new run with another "
                                      "`out`",
                                      run_dir.string(), o.key, o.get(*before).dump(), o.get(saved).dump(),
                                      allowed_text()));
      plan.messages.push_back(fmt::format("config.json sets `{}` {} (the run started with {})", o.key,
                                          o.get(saved).dump(), o.get(*before).dump()));
      wanted[o.key] = o.get(saved);  // applied below with the command line's
    }
    plan.config = *before;
  }
  for (auto& [key, value] : changes.items()) wanted[key] = value;

  for (auto& [key, value] : wanted.items()) {
    const Option<TrainConfig>* o = TrainConfig::table().find(key);
    if (!o) throw ConfigError(fmt::format("unknown configuration key '{}'", key));
    const nlohmann::json old = o->get(plan.config);
    TrainConfig probe = plan.config;
    o->set(probe, value);
    if (o->get(probe) == old) continue;
    if (!resumable(key))
      throw ConfigError(fmt::format("`{}` cannot change when a run is resumed (the run in {} has {}); a resumed run "
                                    "may change only {}: start a new run with another `out` to change the rest",
                                    key, run_dir.string(), old.dump(), allowed_text()));
    plan.config = probe;
    if (key == "lr") plan.lr_changed = true;
    if (!changes.contains(key)) continue;  // said above, as an edit of config.json
    plan.messages.push_back(fmt::format("resuming with `{}` {} (was {})", key, o->get(plan.config).dump(), old.dump()));
  }
  if (plan.config.epochs < epochs_done)
    throw ConfigError(fmt::format("`epochs` {}: the run in {} has finished {} epochs already; give at least {}",
                                  plan.config.epochs, run_dir.string(), epochs_done, epochs_done));
  const bool epochs_changed = before && plan.config.epochs != before->epochs;
  plan.schedule_changed = plan.lr_changed || epochs_changed;
  if (plan.schedule_changed && plan.config.schedule.name == "onecycle")
    throw ConfigError("`lr` and `epochs` cannot change when resuming a `schedule` onecycle run: its cycle is fixed "
                      "from the start; start a new run");
  plan.config.out = run_dir.string();
  return plan;
}

}  // namespace nnlab::train
