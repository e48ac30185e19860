// The one place where the tuner meets the trainer (nnlab tune ... -- <train flags>): how a
// trial's parameters become an `nnlab train` command line, and the report lines the trainer
// prints for the tuner to read.
//
// Parameters name keys of train::TrainConfig::table(), spelled as the trainer's flags by
// flag_for: lr → --lr, weight_decay → --weight-decay. Then:
//   - a boolean categorical (choices true, false) is a switch: bn=true → --bn, false → nothing;
//   - the layer widths width_0..width_{depth-1} of "repeat_for": "depth" are the key hidden,
//     one flag with their values joined by commas in order (--hidden 128,64); depth, their
//     count, passes nothing of its own; another repeat_for group is the key of its base name;
//   - a search-space "flag" overrides (null: none);
//   - a parameter whose condition does not hold is not passed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nnlab/tune/search_space.h"

namespace nnlab::tune {

// "nnlab:report STEP VALUE" on the trainer's stdout: an intermediate value (per epoch).
inline constexpr std::string_view kReportPrefix = "nnlab:report";
std::string format_report(int64_t step, double value);
// The step (an integer) and value (a number, nan allowed) of a report line; nothing if it
// is malformed.
std::optional<std::pair<int64_t, double>> parse_report(const std::string& line);

// The flag a parameter reaches the trainer by when the search space gives it none: by its
// name, by its repeat_for group (`group`), or none for the parameter that counts a group.
std::optional<std::string> default_train_flag(const std::string& name, const std::string& group,
                                              bool counts_a_group);

// The parameters' flags, in the order of their first parameter.
std::vector<std::string> train_flag_arguments(const SearchSpace& space, const Params& params);

// Throws ConfigError if a parameter passed by its own name is no training option, or if the
// user's own train flags set one the tuner sets: --json, --report-metric, or a parameter's.
void check_train_flags(const SearchSpace& space, const std::vector<std::string>& user_flags);

// One trial's command line: <trainer> train <user flags> <parameter flags> --json
// --report-metric <metric>.
std::vector<std::string> train_command(const std::string& trainer, const std::vector<std::string>& user_flags,
                                       const SearchSpace& space, const Params& params, const std::string& metric);

}  // namespace nnlab::tune
