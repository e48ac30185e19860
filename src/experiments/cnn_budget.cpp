#include "experiments/cnn_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "nnlab/error.h"

namespace nnlab::experiments {

namespace {

[[noreturn]] void bad_budget(const std::string& text, const std::string& why) {
  throw ConfigError(fmt::format("`budget` '{}': {}; give epochs:N (equal epochs, e.g. epochs:15) or time:DURATION "
                                "(equal training time per model, e.g. time:300s, time:5m, time:1h)",
                                text, why));
}

}  // namespace

std::string CnnBudget::text() const {
  if (kind == Kind::Epochs) return fmt::format("epochs:{}", epochs);
  return fmt::format("time:{}s", seconds);
}

nlohmann::json CnnBudget::to_json() const {
  if (kind == Kind::Epochs) return {{"kind", "epochs"}, {"epochs", epochs}, {"text", text()}};
  return {{"kind", "time"}, {"seconds", seconds}, {"text", text()}};
}

CnnBudget parse_cnn_budget(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos) bad_budget(text, "no kind before a colon");
  const std::string kind = text.substr(0, colon), value = text.substr(colon + 1);
  if (value.empty()) bad_budget(text, "no value after the colon");
  CnnBudget b;
  size_t used = 0;
  if (kind == "epochs") {
    long long n = 0;
    try {
      n = std::stoll(value, &used);
    } catch (const std::exception&) {
      bad_budget(text, "the epochs are not a whole number");
    }
    if (used != value.size() || n < 1) bad_budget(text, "the epochs must be a whole number of at least 1");
    b.kind = CnnBudget::Kind::Epochs;
    b.epochs = n;
    return b;
  }
  if (kind != "time") bad_budget(text, fmt::format("unknown kind '{}'", kind));
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    bad_budget(text, "the duration is not a number");
  }
  const std::string unit = value.substr(used);
  const double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (scale == 0) bad_budget(text, fmt::format("unknown unit '{}' (s, m or h)", unit));
  if (!std::isfinite(v) || v <= 0) bad_budget(text, "the duration must be positive");
  b.kind = CnnBudget::Kind::Time;
  b.seconds = v * scale;
  return b;
}

nlohmann::json RunPlan::to_json() const {
  nlohmann::json j{{"epochs", epochs}, {"train_images", train_images}, {"whole_set", whole_set}};
  if (images_per_second > 0) {
    j["images_per_second"] = images_per_second;
    j["planned_seconds"] = planned_seconds;
  }
  return j;
}

RunPlan plan_time_budget(double seconds, double images_per_second, int64_t set_size, int64_t batch_size) {
  if (!(seconds > 0) || !(images_per_second > 0) || set_size < 1 || batch_size < 1)
    throw Error(fmt::format("cnn-compare: cannot plan {} s at {} images/s over {} images", seconds, images_per_second,
                            set_size));
  const double total = seconds * images_per_second;  // images the budget passes over
  const double n = static_cast<double>(set_size);
  RunPlan p;
  p.images_per_second = images_per_second;
  const double whole = std::floor(total / n);
  if (whole >= 1 && whole * n >= 0.9 * total) {
    p.epochs = static_cast<int64_t>(whole);
    p.train_images = set_size;
  } else {
    p.epochs = static_cast<int64_t>(std::ceil(total / n));
    const int64_t per_epoch = static_cast<int64_t>(total / static_cast<double>(p.epochs));
    p.train_images = std::clamp<int64_t>(per_epoch / batch_size * batch_size, std::min(batch_size, set_size), set_size);
  }
  p.whole_set = p.train_images == set_size;
  p.planned_seconds = static_cast<double>(p.epochs * p.train_images) / images_per_second;
  return p;
}

}  // namespace nnlab::experiments
