#include "nnlab/option_table.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace nnlab {

std::optional<std::string> OptionRange::violation(double v) const {
  const bool above_min = !min || (min_open ? v > *min : v >= *min);
  const bool below_max = !max || (max_open ? v < *max : v <= *max);
  if (above_min && below_max) return std::nullopt;
  std::string what;
  if (min && max)
    what = fmt::format("must be in {}{}, {}{}", min_open ? '(' : '[', *min, *max, max_open ? ')' : ']');
  else if (min && *min == 0)
    what = min_open ? "must be positive" : "must be non-negative";
  else if (min)
    what = fmt::format("must be {} {}", min_open ? "above" : "at least", *min);
  else
    what = fmt::format("must be {} {}", max_open ? "below" : "at most", *max);
  return note.empty() ? what : what + ": " + note;
}

std::optional<std::string> OptionRange::violation(const std::string& value) const {
  if (choices.empty() || std::find(choices.begin(), choices.end(), value) != choices.end()) return std::nullopt;
  return fmt::format("accepted are {}", fmt::join(choices, ", "));
}

OptionRange at_least(double min) { return OptionRange{.min = min}; }
OptionRange non_negative() { return at_least(0); }
OptionRange positive() { return OptionRange{.min = 0.0, .min_open = true}; }
OptionRange in_half_open(double min, double max) { return OptionRange{.min = min, .max = max, .max_open = true}; }
OptionRange in_closed(double min, double max) { return OptionRange{.min = min, .max = max}; }
OptionRange in_open(double min, double max) {
  return OptionRange{.min = min, .max = max, .min_open = true, .max_open = true};
}
OptionRange one_of(std::vector<std::string> choices) { return OptionRange{.choices = std::move(choices)}; }

std::string flag_for(std::string_view key) {
  std::string flag = "--" + std::string(key);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string quoted_key(std::string_view key) { return fmt::format("`{}`", key); }

namespace option_detail {

void wrong_type(const std::string& key, const nlohmann::json& value) {
  throw ConfigError(fmt::format("configuration key '{}' has the wrong type: {}", key, value.dump()));
}

void bad_value(const std::string& key, const std::string& why) {
  throw ConfigError(fmt::format("configuration key '{}': {}", key, why));
}

void unknown_key(const std::string& key) { throw ConfigError(fmt::format("unknown configuration key '{}'", key)); }

}  // namespace option_detail

}  // namespace nnlab
