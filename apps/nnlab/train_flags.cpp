#include "train_flags.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "checks.h"
#include "command.h"
#include "flag_text.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"

namespace nnlab::cli {

namespace {

using Option = nnlab::Option<train::TrainConfig>;

// The option's default, as the C++ type CLI11 parses its flag into.
template <class T>
T default_of(const Option& o) {
  static const train::TrainConfig defaults;
  const nlohmann::json j = o.get(defaults);
  if constexpr (std::is_same_v<T, double>) return j.is_null() ? 0.0 : j.get<double>();
  else return j.get<T>();
}

}  // namespace

void TrainFlags::add(CLI::App& verb, const Option& o) {
  const std::string flag = flag_for(o.key), help = keys_as_flags(o.description());
  Value& value = values_.emplace_back();
  CLI::Option* opt = nullptr;
  auto declare = [&]<class T>(T initial) {
    value = initial;
    T& v = std::get<T>(value);
    if constexpr (std::is_same_v<T, bool>) {
      opt = verb.add_flag(flag, v, help);
    } else {
      opt = verb.add_option(flag, v, help);
      if constexpr (std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<std::string>>) {
        opt->delimiter(',')->check(no_empty_items());
        opt->default_str(fmt::format("{}", fmt::join(v, ",")));
      } else {
        opt->default_str(fmt::format("{}", v));
      }
    }
  };
  switch (o.type) {
    case OptionType::Bool: declare(default_of<bool>(o)); break;
    case OptionType::Int: declare(default_of<int>(o)); break;
    case OptionType::Int64: declare(default_of<int64_t>(o)); break;
    case OptionType::UInt64:  // CLI11 would wrap -1 to 2^64-1
      declare(default_of<uint64_t>(o));
      opt->check(nnlab::cli::non_negative());
      break;
    case OptionType::Float: declare(default_of<float>(o)); break;
    case OptionType::Double: declare(default_of<double>(o)); break;
    case OptionType::OptionalDouble:  // unset by default: the flag shows no value
      declare(default_of<double>(o));
      if (o.get(train::TrainConfig()).is_null()) opt->default_str("");
      break;
    case OptionType::String: declare(default_of<std::string>(o)); break;
    case OptionType::Int64List: declare(default_of<std::vector<int64_t>>(o)); break;
    case OptionType::StringList: declare(default_of<std::vector<std::string>>(o)); break;
  }
  flags_.push_back({&o, opt, &value});
}

TrainFlags::TrainFlags(CLI::App& verb, int groups) {
  const std::pair<Group, const char*> names[] = {
      {Model, "model"}, {Data, "data"}, {Optimization, "optimization"}, {Run, "run"}};
  for (auto [group, name] : names) {
    if (!(groups & group)) continue;
    for (const Option& o : train::TrainConfig::table().options()) {
      if (o.group != name) continue;
      add(verb, o);
      if (o.key == "flip")  // the shorthand next to what it sets
        verb.add_option("--augment", augment_,
                        "Augmentation in one flag: none, or a list of crop (padding 4) and flip; --crop and --flip win")
            ->delimiter(',')
            ->check(CLI::IsMember({"none", "crop", "flip"}));
    }
  }
  verb.add_option("--config", config_file_, "A JSON object of these options (keys as flags, with _ for -)")
      ->check(CLI::ExistingFile);
}

train::TrainConfig TrainFlags::resolve() const {
  train::TrainConfig config;
  if (!config_file_.empty()) {
    try {
      config = train::TrainConfig::from_json(
          nlohmann::json::parse(io::read_file(config_file_, io::kConfigFileLimit, "a configuration")));
    } catch (const nlohmann::json::exception& e) {
      throw ConfigError(fmt::format("{}: not valid JSON ({})", config_file_, e.what()));
    } catch (const ConfigError& e) {
      throw ConfigError(fmt::format("{}: {}", config_file_, e.what()));
    }
  }
  return resolve(config);
}

train::TrainConfig TrainFlags::resolve(train::TrainConfig base) const {
  if (!augment_.empty()) {
    auto named = [&](const char* what) { return std::find(augment_.begin(), augment_.end(), what) != augment_.end(); };
    if (named("none") && augment_.size() > 1)
      usage_error(fmt::format("--augment {}: 'none' cannot be combined with crop or flip", fmt::join(augment_, ",")));
    base.crop = named("crop") ? 4 : 0;
    base.flip = named("flip") ? "on" : "off";
  }
  for (const Flag& f : flags_)
    if (f.cli->count() > 0) std::visit([&](const auto& v) { f.option->set(base, nlohmann::json(v)); }, *f.value);
  return base;
}

nlohmann::json TrainFlags::given() const {
  nlohmann::json out = nlohmann::json::object();
  const train::TrainConfig applied = resolve(train::TrainConfig());
  if (!augment_.empty()) {
    out["crop"] = applied.crop;
    out["flip"] = applied.flip;
  }
  for (const Flag& f : flags_)
    if (f.cli->count() > 0) out[f.option->key] = f.option->get(applied);
  return out;
}

}  // namespace nnlab::cli
