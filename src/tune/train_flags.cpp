#include "nnlab/tune/train_flags.h"

#include <fmt/format.h>

#include <map>

#include "nnlab/error.h"

namespace nnlab::tune {

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

}  // namespace nnlab::tune
