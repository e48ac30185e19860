#include "nnlab/tune/study.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "nnlab/error.h"

namespace nnlab::tune {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What a running trial reports through: every intermediate value is written as it comes,
// then the pruner decides from the study as the storage has it now.
class StoredTrialContext : public TrialContext {
 public:
  StoredTrialContext(Storage& storage, const StudyRecord& study, FrozenTrial& trial, const Pruner* pruner,
                     const OptimizeOptions& options)
      : storage_(storage), study_(study), trial_(trial), pruner_(pruner), options_(options), last_beat_(Clock::now()) {}

  int trial_number() const override { return trial_.number; }

  bool report(int64_t step, double value) override {
    for (auto& iv : trial_.intermediate)
      if (iv.step == step) return false;  // a repeated step is ignored, as the storage does
    storage_.report(trial_.id, step, value);
    last_beat_ = Clock::now();
    trial_.intermediate.push_back({step, value});
    std::sort(trial_.intermediate.begin(), trial_.intermediate.end(),
              [](auto& a, auto& b) { return a.step < b.step; });
    if (!pruner_) return false;
    std::vector<FrozenTrial> others = storage_.load_trials(study_.id);
    std::erase_if(others, [&](const FrozenTrial& t) { return t.id == trial_.id; });
    return pruner_->should_prune(trial_, others, study_.direction);
  }

  void heartbeat() override {
    if (seconds_since(last_beat_) < options_.heartbeat_s) return;
    storage_.heartbeat(trial_.id);
    last_beat_ = Clock::now();
  }

  bool stop_requested() const override { return options_.stop && options_.stop->load(); }

 private:
  Storage& storage_;
  const StudyRecord& study_;
  FrozenTrial& trial_;
  const Pruner* pruner_;
  const OptimizeOptions& options_;
  Clock::time_point last_beat_;
};

}  // namespace

Study Study::create_or_load(Storage& storage, const std::string& name, Direction direction,
                            const SearchSpace& space, const nlohmann::json& objective) {
  return Study(storage, storage.create_or_load_study(name, direction, space, objective));
}

Study Study::load(Storage& storage, const std::string& name) {
  auto record = storage.find_study(name);
  if (!record) {
    std::string names;
    for (auto& s : storage.list_studies()) names += (names.empty() ? "" : ", ") + s.name;
    throw ConfigError(fmt::format("no study '{}' in {} ({})", name, storage.url(),
                                  names.empty() ? "it holds no study" : "it holds: " + names));
  }
  return Study(storage, std::move(*record));
}

std::optional<FrozenTrial> Study::ask(Sampler& sampler, int n_trials, uint64_t seed) {
  std::optional<FrozenTrial> trial = storage_->start_trial(record_.id, n_trials);
  if (!trial || !trial->params.empty()) return trial;  // none left, or a retry with its parameters
  Generator rng(Generator::mix(seed, static_cast<uint64_t>(trial->number)));
  // A lost race for a grid point proposes again from the updated claims.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::vector<FrozenTrial> history = storage_->load_trials(record_.id);
    std::erase_if(history, [&](const FrozenTrial& t) { return t.id == trial->id; });
    std::set<std::string> claims = storage_->claims(record_.id);
    SamplingContext ctx{record_.space, record_.direction, history, claims, trial->number, rng};
    std::optional<Proposal> proposal;
    try {
      proposal = sampler.propose(ctx);
    } catch (...) {
      storage_->discard_trial(trial->id);  // leave no running trial behind
      throw;
    }
    if (!proposal) {
      storage_->discard_trial(trial->id);
      return std::nullopt;
    }
    Params params = record_.space.prune_inactive(proposal->params);
    record_.space.validate(params);
    if (storage_->set_params(trial->id, params, proposal->claim)) {
      trial->params = std::move(params);
      return trial;
    }
  }
  storage_->discard_trial(trial->id);
  throw IoError(fmt::format("study '{}': could not claim a grid point after 1000 tries", record_.name));
}

void Study::tell(const FrozenTrial& trial, const ObjectiveResult& result, int retry_failed) {
  switch (result.outcome) {
    case Outcome::Complete:
      storage_->finish_trial(trial.id, TrialState::Complete, result.value, result.message, result.metrics);
      break;
    case Outcome::Pruned:
      storage_->finish_trial(trial.id, TrialState::Pruned, std::nullopt, result.message, result.metrics);
      break;
    case Outcome::Failed:
      storage_->finish_trial(trial.id, TrialState::Failed, std::nullopt, result.message, result.metrics);
      break;
    case Outcome::Interrupted:
      storage_->interrupt_trial(trial.id, result.message, 1 + retry_failed);
      break;
  }
}

int Study::recover_stale_trials(double grace_s, int retry_failed) {
  return storage_->recover_stale_trials(record_.id, grace_s, 1 + retry_failed);
}

void Study::optimize(Sampler& sampler, const Pruner* pruner, Objective& objective, const OptimizeOptions& options,
                     StudyObserver* observer) {
  const auto start = Clock::now();
  auto stopping = [&] { return options.stop && options.stop->load(); };
  auto timed_out = [&] { return options.timeout_s > 0 && seconds_since(start) >= options.timeout_s; };
  auto recover = [&] {
    int n = recover_stale_trials(options.grace_s, options.retry_failed);
    if (n > 0 && observer) observer->trials_recovered(n);
  };
  // Nothing left to start: wait while other workers run the last trials, since one that
  // dies leaves its trial as a retry to take. True when there is one to take now.
  auto wait_for_others = [&] {
    while (!stopping() && !timed_out()) {
      TrialCounts c = storage_->counts(record_.id);
      if (c.waiting > 0) return true;
      if (c.running == 0) return false;
      std::this_thread::sleep_for(std::chrono::duration<double>(options.poll_s));
      recover();
    }
    return false;
  };
  while (!stopping() && !timed_out()) {
    recover();  // the next worker that asks for work fails the stale trials
    std::optional<FrozenTrial> trial = ask(sampler, options.n_trials, options.seed);
    if (!trial) {
      if (wait_for_others()) continue;
      break;
    }
    if (observer) observer->trial_started(*trial);
    StoredTrialContext context(*storage_, record_, *trial, pruner, options);
    ObjectiveResult result;
    try {
      result = objective.evaluate(trial->params, context);
    } catch (const IoError&) {
      throw;  // the storage itself failed: nothing more can be recorded
    } catch (const std::exception& e) {
      result = {Outcome::Failed, NAN, fmt::format("the objective failed: {}", e.what()), nullptr};
    }
    // A stop request is no failure of the trial: it is queued again however often that happens.
    tell(*trial, result, result.outcome == Outcome::Interrupted && stopping() ? 1 << 30 : options.retry_failed);
    if (observer) {
      std::vector<FrozenTrial> all = trials();
      auto it = std::find_if(all.begin(), all.end(), [&](auto& t) { return t.id == trial->id; });
      if (it != all.end()) observer->trial_finished(*it, best_trial(all, record_.direction));
    }
    if (result.outcome == Outcome::Interrupted) break;
  }
}

}  // namespace nnlab::tune
