// Option tables: each options struct of the library (zoo::ModelOptions, optim::OptimizerConfig,
// train::TrainConfig, ...) lists its keys once, with type, default, range and help, and
// everything else is derived from that list: JSON reading and writing, validation, the
// command-line flags and --help of the CLI, and the tuner's parameter names. Adding an
// option is one entry:
//
//   .add("eps", &OptimizerConfig::eps, "Term added to the denominator", positive(), {"adam", "adamw"})
//
// The default is the struct's own member initializer. Messages and help name options by
// key in backquotes (`lr`), which the CLI shows as its flag (--lr).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "nnlab/error.h"

namespace nnlab {

// The C++ types an option may have; the CLI declares a flag of the same type.
enum class OptionType { Bool, Int, Int64, UInt64, Float, Double, OptionalDouble, String, Int64List, StringList };

template <class T>
constexpr OptionType option_type() {
  if constexpr (std::is_same_v<T, bool>) return OptionType::Bool;
  else if constexpr (std::is_same_v<T, int>) return OptionType::Int;
  else if constexpr (std::is_same_v<T, int64_t>) return OptionType::Int64;
  else if constexpr (std::is_same_v<T, uint64_t>) return OptionType::UInt64;
  else if constexpr (std::is_same_v<T, float>) return OptionType::Float;
  else if constexpr (std::is_same_v<T, double>) return OptionType::Double;
  else if constexpr (std::is_same_v<T, std::optional<double>>) return OptionType::OptionalDouble;
  else if constexpr (std::is_same_v<T, std::string>) return OptionType::String;
  else if constexpr (std::is_same_v<T, std::vector<int64_t>>) return OptionType::Int64List;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return OptionType::StringList;
  else static_assert(sizeof(T) == 0, "an option of a type the option tables do not know");
}

// The values validate() accepts; an empty range accepts every value of the type.
struct OptionRange {
  std::optional<double> min, max;
  bool min_open = false, max_open = false;
  std::vector<std::string> choices;  // strings, and each string of a list
  std::string note;                  // said after the bounds ("0 is off")

  OptionRange& with_note(std::string text) {
    note = std::move(text);
    return *this;
  }
  // What is wrong with a number ("must be at least 1"), or nothing.
  std::optional<std::string> violation(double value) const;
  // What is wrong with a string ("accepted are a, b"), or nothing.
  std::optional<std::string> violation(const std::string& value) const;
};

OptionRange at_least(double min);
OptionRange non_negative();
OptionRange positive();
OptionRange in_half_open(double min, double max);  // [min, max)
OptionRange in_closed(double min, double max);     // [min, max]
OptionRange in_open(double min, double max);       // (min, max)
OptionRange one_of(std::vector<std::string> choices);

// The command-line spelling of a key: batch_size is --batch-size. nnlab's CLI declares its
// flags with it, and the tuner spells the command lines it runs with it.
std::string flag_for(std::string_view key);
// `key` in backquotes, as messages and help name an option.
std::string quoted_key(std::string_view key);

template <class S>
struct Option {
  std::string key;
  OptionType type;
  std::string help;
  OptionRange range;
  // The values of the table's selector (the optimizer's name) the option applies to; empty: all.
  std::vector<std::string> applies_to;
  std::string group;  // the section it belongs to (model, data, ...), for a CLI to pick flags by
  std::function<nlohmann::json(const S&)> get;
  std::function<void(S&, const nlohmann::json&)> set;  // nlohmann::json::exception for a wrong type
  std::function<void(const S&)> check;                 // ConfigError naming the key, out of range

  // The help with the selector values it applies to in front: "sgd, rmsprop: momentum".
  std::string description() const {
    if (applies_to.empty()) return help;
    std::string names;
    for (const std::string& n : applies_to) names += (names.empty() ? "" : ", ") + n;
    return names + ": " + help;
  }
  bool applies(const std::string& selector) const {
    return applies_to.empty() || std::find(applies_to.begin(), applies_to.end(), selector) != applies_to.end();
  }
};

namespace option_detail {

template <class T>
nlohmann::json to_json(const T& value) {
  if constexpr (std::is_same_v<T, std::optional<double>>) return value ? nlohmann::json(*value) : nlohmann::json();
  else return nlohmann::json(value);
}

// A JSON number as an integer of type T: only an integral value that T holds (JSON's 3.0
// is 3; 2.5, 1e30 and -1 for an unsigned option are ConfigErrors, never a rounded or
// wrapped number).
template <class T>
T exact_integer(const nlohmann::json& j) {
  if (j.is_number_unsigned()) {
    const uint64_t u = j.get<uint64_t>();
    if (u <= static_cast<uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(u);
  } else if (j.is_number_integer()) {
    const int64_t i = j.get<int64_t>();
    if ((std::is_signed_v<T> || i >= 0) && i >= static_cast<int64_t>(std::numeric_limits<T>::lowest()) &&
        (std::is_same_v<T, uint64_t> || i <= static_cast<int64_t>(std::numeric_limits<T>::max())))
      return static_cast<T>(i);
  } else if (j.is_number_float()) {
    const double d = j.get<double>();
    // 2^63 and 2^64 are exact doubles; the bounds keep the cast defined.
    const double hi = std::is_same_v<T, uint64_t> ? 18446744073709551616.0
                      : std::is_same_v<T, int64_t> ? 9223372036854775808.0
                                                   : static_cast<double>(std::numeric_limits<T>::max()) + 1;
    const double lo = std::is_signed_v<T> ? -hi : 0.0;
    if (std::isfinite(d) && d == std::floor(d) && d >= lo && d < hi) return static_cast<T>(d);
  } else {
    throw nlohmann::json::type_error::create(302, "not a number", &j);
  }
  const std::string shown = j.is_number_float() ? fmt::format("{}", j.get<double>()) : j.dump();
  throw ConfigError(fmt::format("{} is not an integer in [{}, {}]", shown, std::numeric_limits<T>::lowest(),
                                std::numeric_limits<T>::max()));
}

template <class T>
void from_json(const nlohmann::json& j, T& value) {
  if constexpr (std::is_same_v<T, std::optional<double>>)
    value = j.is_null() ? std::nullopt : std::optional(j.get<double>());
  else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    value = exact_integer<T>(j);
  else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
    if (!j.is_array()) throw nlohmann::json::type_error::create(302, "not an array", &j);
    value.clear();
    for (const nlohmann::json& e : j) value.push_back(exact_integer<int64_t>(e));
  } else
    j.get_to(value);
}

// ConfigError "`key` VALUE must be ..." when the value is outside the range.
template <class T>
void check(const std::string& key, const T& value, const OptionRange& r) {
  std::optional<std::string> bad;
  if constexpr (std::is_same_v<T, std::string>) {
    if ((bad = r.violation(value))) throw ConfigError(fmt::format("{} '{}': {}", quoted_key(key), value, *bad));
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    for (const std::string& v : value) check(key, v, r);
  } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
    for (int64_t v : value) check(key, v, r);
  } else if constexpr (std::is_same_v<T, std::optional<double>>) {
    if (value) check(key, *value, r);
  } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    if ((bad = r.violation(static_cast<double>(value))))
      throw ConfigError(fmt::format("{} {} {}", quoted_key(key), value, *bad));
  }
}

[[noreturn]] void wrong_type(const std::string& key, const nlohmann::json& value);
[[noreturn]] void unknown_key(const std::string& key);
[[noreturn]] void bad_value(const std::string& key, const std::string& why);

}  // namespace option_detail

template <class S>
class OptionTable {
 public:
  // The group of the options added after this call.
  OptionTable& group(std::string name) {
    group_ = std::move(name);
    return *this;
  }

  // An option held in a field of S.
  template <class T>
  OptionTable& add(std::string key, T S::*field, std::string help, OptionRange range = {},
                   std::vector<std::string> applies_to = {}) {
    return add_property<T>(
        std::move(key), [field](const S& s) { return s.*field; }, [field](S& s, T v) { s.*field = std::move(v); },
        std::move(help), std::move(range), std::move(applies_to));
  }

  // An option kept otherwise: in a builder of S (one_cycle.pct_start), or in two places.
  template <class T, class Get, class Set>
  OptionTable& add_property(std::string key, Get get, Set set, std::string help, OptionRange range = {},
                            std::vector<std::string> applies_to = {}) {
    Option<S> o;
    o.key = key;
    o.type = option_type<T>();
    o.help = std::move(help);
    o.range = range;
    o.applies_to = std::move(applies_to);
    o.group = group_;
    o.get = [get](const S& s) { return option_detail::to_json<T>(get(s)); };
    o.set = [set](S& s, const nlohmann::json& j) {
      T value{};
      option_detail::from_json(j, value);
      set(s, std::move(value));
    };
    o.check = [get, key, range](const S& s) { option_detail::check<T>(key, get(s), range); };
    options_.push_back(std::move(o));
    return *this;
  }

  // Every option of another table, on a member of S; they take this table's current group.
  template <class M>
  OptionTable& add_all(M S::*member, const OptionTable<M>& table) {
    for (const Option<M>& inner : table.options()) {
      Option<S> o;
      o.key = inner.key;
      o.type = inner.type;
      o.help = inner.help;
      o.range = inner.range;
      o.applies_to = inner.applies_to;
      o.group = group_;
      o.get = [member, get = inner.get](const S& s) { return get(s.*member); };
      o.set = [member, set = inner.set](S& s, const nlohmann::json& j) { set(s.*member, j); };
      o.check = [member, check = inner.check](const S& s) { check(s.*member); };
      options_.push_back(std::move(o));
    }
    return *this;
  }

  const std::vector<Option<S>>& options() const { return options_; }
  const Option<S>* find(std::string_view key) const {
    for (const Option<S>& o : options_)
      if (o.key == key) return &o;
    return nullptr;
  }

  // Every key with a value; an unset one (null) is left out, as from_json leaves it unset.
  nlohmann::json to_json(const S& s) const {
    nlohmann::json j = nlohmann::json::object();
    for (const Option<S>& o : options_)
      if (nlohmann::json v = o.get(s); !v.is_null()) j[o.key] = std::move(v);
    return j;
  }
  // The keys of `j` over `s`; unknown keys and values of the wrong type are ConfigErrors
  // naming the key.
  void from_json(const nlohmann::json& j, S& s) const {
    for (const Option<S>& o : options_) {
      if (!j.contains(o.key)) continue;
      try {
        o.set(s, j.at(o.key));
      } catch (const nlohmann::json::exception&) {
        option_detail::wrong_type(o.key, j.at(o.key));
      } catch (const ConfigError& e) {
        option_detail::bad_value(o.key, e.what());
      }
    }
    for (auto& [key, value] : j.items())
      if (!find(key)) option_detail::unknown_key(key);
  }
  // ConfigError naming the first option outside its range.
  void validate(const S& s) const {
    for (const Option<S>& o : options_) o.check(s);
  }

 private:
  std::vector<Option<S>> options_;
  std::string group_;
};

}  // namespace nnlab
