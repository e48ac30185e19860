// A schedule from a name and the options a command line or config file gives
// (`--schedule cosine --warmup 5`). Every result is a live schedule ("none" included), so a
// trainer steps it without null checks: per batch when unit() is StepUnit::Batch
// (onecycle), per epoch otherwise (plateau with the validation metric).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nnlab/option_table.h"
#include "nnlab/optim/one_cycle.h"
#include "nnlab/optim/plateau.h"
#include "nnlab/optim/scheduler.h"

namespace nnlab::optim {

inline constexpr const char* kScheduleNames = "step, multistep, exponential, cosine, onecycle, plateau, none";

struct ScheduleConfig {
  std::string name = "none";
  int64_t epochs = 1;           // the run's length, for the defaults below
  int64_t steps_per_epoch = 1;  // batches per epoch (onecycle)
  int64_t warmup = 0;           // epochs of linear warm-up before the schedule (not onecycle)
  double warmup_start_factor = 1.0 / 3;      // PyTorch LinearLR's default
  std::optional<int64_t> step_size;          // step: default max(1, epochs / 3)
  std::optional<double> gamma;               // step, multistep: default 0.1; exponential: required
  std::vector<int64_t> milestones;           // multistep: default 50 % and 75 % of the epochs after
                                             // warm-up (the drops of He et al. 2016's CIFAR recipe)
  std::optional<int64_t> t_max;              // cosine: default the epochs after warm-up
  double eta_min = 0;                        // cosine
  OneCycleOptions one_cycle = OneCycleOptions(0);  // total_steps 0: epochs × steps_per_epoch
  PlateauOptions plateau;

  // The keys: schedule (the name), warmup, gamma (also plateau's factor), step_size,
  // milestones, min_lr (eta_min and plateau's min_lr), max_lr, pct_start, patience. The
  // trainer sets epochs and steps_per_epoch itself.
  static const OptionTable<ScheduleConfig>& table();
};

// Builds the schedule over `optimizer`, whose groups' lr are the base (or, for onecycle
// without one_cycle.max_lr, the peak) lrs. Throws ConfigError for an unknown name (listing
// kScheduleNames) or options out of range.
std::unique_ptr<LRScheduler> make_scheduler(Optimizer& optimizer, const ScheduleConfig& config);

}  // namespace nnlab::optim
