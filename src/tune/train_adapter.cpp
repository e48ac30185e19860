#include "nnlab/tune/train_adapter.h"

#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "nnlab/error.h"
#include "nnlab/option_table.h"
#include "nnlab/train/config.h"

namespace nnlab::tune {

namespace {

// The layer widths of a network: "width" is the trainer's key hidden.
std::string key_of_group(const std::string& group) { return group == "width" ? "hidden" : group; }

}  // namespace

std::string format_report(int64_t step, double value) { return fmt::format("{} {} {}", kReportPrefix, step, value); }

std::optional<std::pair<int64_t, double>> parse_report(const std::string& line) {
  if (line.rfind(kReportPrefix, 0) != 0) return std::nullopt;
  std::istringstream in(line.substr(kReportPrefix.size()));
  std::string step_text, value_text, extra;
  if (!(in >> step_text >> value_text) || (in >> extra)) return std::nullopt;
  char* end = nullptr;
  long long step = std::strtoll(step_text.c_str(), &end, 10);
  if (*end) return std::nullopt;
  double value = std::strtod(value_text.c_str(), &end);
  if (*end) return std::nullopt;
  return std::pair<int64_t, double>{step, value};
}

std::optional<std::string> default_train_flag(const std::string& name, const std::string& group,
                                              bool counts_a_group) {
  if (counts_a_group) return std::nullopt;  // the count of the group's values says it
  return flag_for(group.empty() ? name : key_of_group(group));
}

std::vector<std::string> train_flag_arguments(const SearchSpace& space, const Params& params) {
  // Flags in the order of their first parameter; a switch has no values.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> values;
  std::map<std::string, bool> is_switch;
  for (auto& spec : space.params()) {
    auto it = params.find(spec.name);
    if (it == params.end() || !spec.flag) continue;
    if (spec.is_boolean() && !it->second.get<bool>()) continue;
    if (!values.count(*spec.flag)) order.push_back(*spec.flag);
    if (spec.is_boolean()) is_switch[*spec.flag] = true;
    else values[*spec.flag].push_back(format_value(it->second));
  }
  std::vector<std::string> args;
  for (auto& flag : order) {
    args.push_back(flag);
    if (is_switch[flag]) continue;
    std::string joined;
    for (auto& v : values[flag]) joined += (joined.empty() ? "" : ",") + v;
    args.push_back(joined);
  }
  return args;
}

void check_train_flags(const SearchSpace& space, const std::vector<std::string>& user_flags) {
  for (auto& spec : space.params()) {
    const std::string key = spec.group.empty() ? spec.name : key_of_group(spec.group);
    if (spec.flag && *spec.flag == flag_for(key) && !train::TrainConfig::table().find(key))
      throw ConfigError(fmt::format("search-space parameter '{}' names no option of nnlab train (its keys are "
                                    "listed by nnlab train --help, with _ for -); rename it, or give it a \"flag\"",
                                    spec.name));
  }
  for (auto& arg : user_flags) {
    std::string flag = arg.substr(0, arg.find('='));
    if (flag == "--json" || flag == "--report-metric")
      throw ConfigError(fmt::format("the train flag {} after -- is the tuner's to set; remove it (choose the metric "
                                    "with nnlab tune --metric)",
                                    flag));
    for (auto& spec : space.params())
      if (spec.flag && *spec.flag == flag)
        throw ConfigError(fmt::format("the train flag {} after -- is also set by the search-space parameter '{}'; "
                                      "remove one of them",
                                      flag, spec.name));
  }
}

std::vector<std::string> train_command(const std::string& trainer, const std::vector<std::string>& user_flags,
                                       const SearchSpace& space, const Params& params, const std::string& metric) {
  std::vector<std::string> argv{trainer, "train"};
  argv.insert(argv.end(), user_flags.begin(), user_flags.end());
  std::vector<std::string> flags = train_flag_arguments(space, params);
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {"--json", "--report-metric", metric});
  return argv;
}

}  // namespace nnlab::tune
