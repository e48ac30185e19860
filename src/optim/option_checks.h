// Shared checks for optimizer and schedule options: range checks that name the option and
// the accepted range, and typed reads of saved JSON state that name the missing key.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nnlab/error.h"

namespace nnlab::optim::detail {

// Throws ConfigError("sgd: momentum = -1 is not accepted; expected a value >= 0") unless ok.
inline void require_option(bool ok, std::string_view owner, std::string_view option, double value,
                           std::string_view accepted) {
  if (!ok)
    throw ConfigError(fmt::format("{}: {} = {} is not accepted; expected {}", owner, option, value, accepted));
}

// The value of `key` in saved state, or ConfigError naming the key and the owner.
template <class T>
T json_field(const nlohmann::json& j, std::string_view key, std::string_view owner) {
  auto it = j.is_object() ? j.find(std::string(key)) : j.end();
  if (it == j.end()) throw ConfigError(fmt::format("{} state: missing key '{}'", owner, key));
  try {
    return it->template get<T>();
  } catch (const nlohmann::json::exception&) {
    throw ConfigError(fmt::format("{} state: key '{}' has the wrong type ({})", owner, key, it->dump()));
  }
}

}  // namespace nnlab::optim::detail
