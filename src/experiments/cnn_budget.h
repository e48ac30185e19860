// cnn-compare's two budgets and how a model's run is sized to one.
//   epochs:N   every model trains N epochs over the whole training set (equal epochs);
//   time:300s  every model trains for the same wall-clock time (equal compute, the fair
//              comparison on a CPU; also 5m, 1h, or plain seconds).
// The trainer runs whole epochs under a schedule that must know the run's length before
// it starts, so a time budget is turned into a number of epochs (and, for a model too slow
// to pass over the whole set in the time, a training subset) from the model's measured
// training speed, before it trains: see plan_time_budget.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace nnlab::experiments {

struct CnnBudget {
  enum class Kind { Epochs, Time } kind = Kind::Epochs;
  int64_t epochs = 0;   // Epochs
  double seconds = 0;   // Time: training seconds per model
  std::string text() const;  // as the flag spells it: epochs:4, time:300s
  nlohmann::json to_json() const;
};

// "epochs:N" or "time:S" with S in seconds or with an s, m or h suffix; ConfigError naming
// the flag and the accepted forms otherwise.
CnnBudget parse_cnn_budget(const std::string& text);

// A model's run under a budget: how many epochs over how many training images.
struct RunPlan {
  int64_t epochs = 0;
  int64_t train_images = 0;  // per epoch
  bool whole_set = true;     // train_images is the whole training set (no subset)
  double images_per_second = 0;  // measured for a time budget (0 for an epoch budget)
  double planned_seconds = 0;    // epochs × train_images / images_per_second (time budget)
  nlohmann::json to_json() const;
};

// A time budget: `seconds` of training at `images_per_second` passes over T = seconds ×
// speed images. Whole epochs of the whole set (`set_size` images) when they fill at least
// 90 % of the budget (floor(T / set_size) epochs); otherwise ceil(T / set_size) epochs over
// a stratified subset of T / epochs images (whole batches, at least one), so that the run
// still fills the budget and ends on an epoch boundary with its schedule completed. Slow
// models thus see fewer images in the same time, which is what an equal-time budget measures.
RunPlan plan_time_budget(double seconds, double images_per_second, int64_t set_size, int64_t batch_size);

}  // namespace nnlab::experiments
