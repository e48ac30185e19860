#include "nnlab/optim/scheduler.h"

#include <fmt/format.h>

#include "nnlab/error.h"
#include "optim/option_checks.h"

namespace nnlab::optim {

using detail::json_field;

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (size_t g = 0; g < optimizer.num_groups(); ++g) base_lrs_.push_back(optimizer.lr(g));
}

std::vector<double> LRScheduler::last_lr() const {
  std::vector<double> lrs;
  for (size_t g = 0; g < optimizer_.num_groups(); ++g) lrs.push_back(optimizer_.lr(g));
  return lrs;
}

nlohmann::json LRScheduler::state_dict() const {
  nlohmann::json j = extra_state();
  j["name"] = std::string(name());
  j["last_epoch"] = last_epoch_;
  j["base_lrs"] = base_lrs_;
  return j;
}

void LRScheduler::load_state_dict(const nlohmann::json& state) {
  const std::string owner = fmt::format("schedule '{}'", name());
  const auto saved_name = json_field<std::string>(state, "name", owner);
  if (saved_name != name())
    throw ConfigError(fmt::format("{}: cannot load the state of schedule '{}'", owner, saved_name));
  const auto last_epoch = json_field<int64_t>(state, "last_epoch", owner);
  const auto base_lrs = json_field<std::vector<double>>(state, "base_lrs", owner);
  if (last_epoch < 0) throw ConfigError(fmt::format("{} state: last_epoch {} is negative", owner, last_epoch));
  if (base_lrs.size() != base_lrs_.size())
    throw ConfigError(fmt::format("{} state: saved for {} parameter groups, the optimizer has {}", owner,
                                  base_lrs.size(), base_lrs_.size()));
  load_extra_state(state);
  last_epoch_ = last_epoch;
  base_lrs_ = base_lrs;
}

void ClosedFormScheduler::apply_current_lr() {
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, lr_at(base_lrs_[g], last_epoch_));
}

void ClosedFormScheduler::advance(std::optional<double>) {
  ++last_epoch_;
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, lr_at(base_lrs_[g], last_epoch_));
}

}  // namespace nnlab::optim
