#include "nnlab/tune/search_space.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/tune/train_adapter.h"

namespace nnlab::tune {

namespace {

using ojson = nlohmann::ordered_json;

const std::set<std::string> kFields = {"type",   "low",  "high",        "log",  "step",      "choices",
                                       "condition", "repeat_for", "grid", "grid_points", "flag"};

// Limits a repeat_for parent's range: one parameter per possible layer.
constexpr int kMaxRepeat = 64;
// The most values a parameter's default grid lists (all ints of a small range).
constexpr double kMaxDefaultGrid = 1000;

bool valid_name(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

struct Context {
  const std::string& source;
  std::string name;
  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(fmt::format("{}: parameter '{}': {}", source, name, what));
  }
};

bool is_scalar(const ojson& v) { return v.is_string() || v.is_number() || v.is_boolean(); }

Condition parse_condition(const ojson& c, const Context& ctx) {
  if (!c.is_object() || !c.contains("param") || !c.at("param").is_string())
    ctx.fail("\"condition\" must be an object like {\"param\": \"depth\", \"greater_than\": 1}");
  Condition cond;
  cond.param = c.at("param").get<std::string>();
  int ops = 0;
  for (auto& [key, value] : c.items()) {
    if (key == "param") continue;
    ++ops;
    if (key == "equals") {
      if (!is_scalar(value)) ctx.fail("condition \"equals\" needs a string, number or boolean");
      cond.op = Condition::Op::Equals;
      cond.values = {nlohmann::json(value)};
    } else if (key == "in") {
      if (!value.is_array() || value.empty()) ctx.fail("condition \"in\" needs a non-empty array");
      cond.op = Condition::Op::In;
      for (auto& v : value) cond.values.push_back(nlohmann::json(v));
    } else if (key == "greater_than" || key == "less_than") {
      if (!value.is_number()) ctx.fail(fmt::format("condition \"{}\" needs a number", key));
      cond.op = key == "greater_than" ? Condition::Op::GreaterThan : Condition::Op::LessThan;
      cond.bound = value.get<double>();
    } else {
      ctx.fail(fmt::format("unknown condition \"{}\" (accepted: equals, in, greater_than, less_than)", key));
    }
  }
  if (ops != 1) ctx.fail("a condition needs \"param\" and exactly one of equals, in, greater_than, less_than");
  return cond;
}

// The values a grid sampler tries when the file lists none: every choice, every value of a
// small discrete range, or `points` values evenly spaced (in log space for log parameters).
void fill_grid(ParamSpec& p, const ojson& e, const Context& ctx) {
  if (e.contains("grid") && e.contains("grid_points")) ctx.fail("give \"grid\" or \"grid_points\", not both");
  if (e.contains("grid")) {
    if (!e.at("grid").is_array() || e.at("grid").empty()) ctx.fail("\"grid\" must be a non-empty array of values");
    for (auto& v : e.at("grid")) {
      nlohmann::json value(v);
      try {
        p.check(value);
      } catch (const ConfigError& err) {
        ctx.fail(fmt::format("\"grid\" value {}: {}", value.dump(), err.what()));
      }
      if (std::find(p.grid.begin(), p.grid.end(), value) == p.grid.end()) p.grid.push_back(std::move(value));
    }
    return;
  }
  if (p.type == ParamType::Categorical) {
    p.grid = p.choices;
    return;
  }
  int points = 0;
  if (e.contains("grid_points")) {
    const ojson& g = e.at("grid_points");
    if (!g.is_number_integer() || g.get<int64_t>() < 2) ctx.fail("\"grid_points\" must be an integer ≥ 2");
    points = static_cast<int>(std::min<int64_t>(g.get<int64_t>(), static_cast<int64_t>(kMaxDefaultGrid)));
  } else if (p.step > 0 && (p.high - p.low) / p.step < kMaxDefaultGrid) {
    for (double v = p.low; v <= p.high + p.step * 1e-9; v += p.step) p.grid.push_back(p.from_internal(p.to_internal(v)));
    return;
  } else {
    return;  // continuous: the grid sampler asks for "grid" or "grid_points"
  }
  for (int i = 0; i < points; ++i) {
    double x = p.internal_low() + (p.internal_high() - p.internal_low()) * i / (points - 1);
    ParamValue v = p.from_internal(x);
    if (std::find(p.grid.begin(), p.grid.end(), v) == p.grid.end()) p.grid.push_back(std::move(v));
  }
}

ParamSpec parse_entry(const std::string& name, const ojson& e, const std::string& source) {
  Context ctx{source, name};
  if (!valid_name(name)) ctx.fail("names are letters, digits and '_', not starting with a digit");
  if (!e.is_object()) ctx.fail("must be an object like {\"type\": \"float\", \"low\": 0, \"high\": 1}");
  for (auto& [key, _] : e.items())
    if (!kFields.count(key))
      ctx.fail(fmt::format("unknown field \"{}\" (accepted: type, low, high, log, step, choices, condition, "
                           "repeat_for, grid, grid_points, flag)",
                           key));
  ParamSpec p;
  try {
    static_cast<Distribution&>(p) = Distribution::parse(e);
  } catch (const ConfigError& err) {
    ctx.fail(err.what());
  }
  p.name = name;
  if (e.contains("condition")) p.condition = parse_condition(e.at("condition"), ctx);
  fill_grid(p, e, ctx);
  if (e.contains("flag")) {
    const ojson& f = e.at("flag");
    if (f.is_null()) p.flag = std::nullopt;
    else if (f.is_string() && f.get<std::string>().size() > 1 && f.get<std::string>()[0] == '-') p.flag = f.get<std::string>();
    else ctx.fail("\"flag\" must be a flag like \"--lr\", or null for none");
  } else {
    p.flag = default_train_flag(name, "", false);
  }
  return p;
}

// repeat_for: one parameter per possible layer, base_i existing when the parent > i.
void expand_repeat(const std::string& base, const ojson& entry, const std::map<std::string, ParamSpec>& plain,
                   const std::string& source, std::vector<ParamSpec>& out) {
  Context ctx{source, base};
  const ojson& parent_name = entry.at("repeat_for");
  if (!parent_name.is_string()) ctx.fail("\"repeat_for\" must name an int parameter, e.g. \"depth\"");
  if (entry.contains("condition")) ctx.fail("\"repeat_for\" and \"condition\" cannot be combined");
  auto parent = plain.find(parent_name.get<std::string>());
  if (parent == plain.end() || parent->second.type != ParamType::Int)
    ctx.fail(fmt::format("\"repeat_for\" names '{}', which is not an int parameter", parent_name.get<std::string>()));
  if (parent->second.low < 0 || parent->second.high > kMaxRepeat)
    ctx.fail(fmt::format("\"repeat_for\" needs '{}' within [0, {}]", parent->first, kMaxRepeat));
  ojson copy = entry;
  copy.erase("repeat_for");
  for (int i = 0; i < static_cast<int>(parent->second.high); ++i) {
    ParamSpec p = parse_entry(fmt::format("{}_{}", base, i), copy, source);
    p.group = base;
    if (!entry.contains("flag")) p.flag = default_train_flag(p.name, base, false);
    p.condition = Condition{parent->first, Condition::Op::GreaterThan, {}, static_cast<double>(i)};
    out.push_back(std::move(p));
  }
}

// Kahn's algorithm, taking the earliest-declared ready parameter first so that the order
// stays the file's wherever the conditions allow.
std::vector<ParamSpec> order_by_condition(std::vector<ParamSpec> params, const std::string& source) {
  std::vector<ParamSpec> out;
  std::vector<bool> placed(params.size(), false);
  std::set<std::string> done;
  while (out.size() < params.size()) {
    bool progress = false;
    for (size_t i = 0; i < params.size(); ++i) {
      if (placed[i]) continue;
      if (params[i].condition && !done.count(params[i].condition->param)) continue;
      placed[i] = true;
      done.insert(params[i].name);
      out.push_back(params[i]);
      progress = true;
      break;
    }
    if (!progress) {
      std::string names;
      for (size_t i = 0; i < params.size(); ++i)
        if (!placed[i]) names += (names.empty() ? "" : ", ") + params[i].name;
      throw ConfigError(fmt::format("{}: the conditions of {} form a cycle", source, names));
    }
  }
  return out;
}

void check_conditions(const std::vector<ParamSpec>& params, const std::string& source) {
  for (auto& p : params) {
    if (!p.condition) continue;
    Context ctx{source, p.name};
    auto parent = std::find_if(params.begin(), params.end(), [&](auto& q) { return q.name == p.condition->param; });
    if (parent == params.end()) ctx.fail(fmt::format("its condition names '{}', which is not a parameter", p.condition->param));
    if (parent->name == p.name) ctx.fail("its condition names itself");
    auto op = p.condition->op;
    if ((op == Condition::Op::GreaterThan || op == Condition::Op::LessThan) && !parent->is_numeric())
      ctx.fail(fmt::format("greater_than/less_than need a numeric parent; '{}' is categorical", parent->name));
    for (auto& v : p.condition->values) {
      try {
        parent->check(v);
      } catch (const ConfigError&) {
        ctx.fail(fmt::format("its condition tests '{}' for {}, a value '{}' never takes", parent->name, v.dump(),
                             parent->name));
      }
    }
  }
}

}  // namespace

bool Condition::holds(const ParamValue& v) const {
  switch (op) {
    case Op::Equals:
    case Op::In:
      return std::find(values.begin(), values.end(), v) != values.end();
    case Op::GreaterThan:
      return v.is_number() && v.get<double>() > bound;
    case Op::LessThan:
      return v.is_number() && v.get<double>() < bound;
  }
  return false;
}

nlohmann::json Condition::to_json() const {
  nlohmann::json j{{"param", param}};
  switch (op) {
    case Op::Equals: j["equals"] = values.at(0); break;
    case Op::In: j["in"] = values; break;
    case Op::GreaterThan: j["greater_than"] = bound; break;
    case Op::LessThan: j["less_than"] = bound; break;
  }
  return j;
}

size_t ParamSpec::choice_index(const ParamValue& value) const {
  if (auto i = find_choice(value)) return *i;
  throw ConfigError(fmt::format("parameter '{}': {}", name, *violation(value)));
}

void ParamSpec::check(const ParamValue& value) const {
  if (auto bad = violation(value)) throw ConfigError(fmt::format("parameter '{}': {}", name, *bad));
}

nlohmann::json ParamSpec::to_json() const {
  nlohmann::json j{{"name", name}};
  Distribution::to_json(j);
  j["grid"] = grid;
  j["condition"] = condition ? condition->to_json() : nlohmann::json();
  j["flag"] = flag ? nlohmann::json(*flag) : nlohmann::json();
  j["group"] = group;
  return j;
}

SearchSpace SearchSpace::from_json(const ojson& spec, const std::string& source) {
  if (!spec.is_object() || spec.empty())
    throw ConfigError(fmt::format("{}: a search space is a JSON object of parameters, e.g. "
                                  "{{\"lr\": {{\"type\": \"float\", \"low\": 1e-4, \"high\": 0.1, \"log\": true}}}}",
                                  source));
  // Plain entries first, so that a repeat_for may name a parent declared after it; then
  // the list in the file's order, each repeat_for expanded where it stands.
  std::map<std::string, ParamSpec> plain;
  for (auto& [name, entry] : spec.items())
    if (!(entry.is_object() && entry.contains("repeat_for"))) plain.emplace(name, parse_entry(name, entry, source));
  std::vector<ParamSpec> params;
  for (auto& [name, entry] : spec.items()) {
    if (plain.count(name)) params.push_back(plain.at(name));
    else expand_repeat(name, entry, plain, source, params);
  }
  // A repeat_for parent (depth) counts its group's values.
  for (auto& [name, entry] : spec.items()) {
    if (!entry.is_object() || !entry.contains("repeat_for") || !entry.at("repeat_for").is_string()) continue;
    std::string parent = entry.at("repeat_for").get<std::string>();
    if (spec.contains(parent) && !spec.at(parent).contains("flag"))
      for (auto& p : params)
        if (p.name == parent) p.flag = default_train_flag(parent, "", true);
  }
  std::set<std::string> names;
  for (auto& p : params)
    if (!names.insert(p.name).second)
      throw ConfigError(fmt::format("{}: parameter '{}' is defined twice", source, p.name));
  check_conditions(params, source);
  SearchSpace space;
  space.params_ = order_by_condition(std::move(params), source);
  return space;
}

SearchSpace SearchSpace::parse(std::string_view text, const std::string& source) {
  ojson spec;
  try {
    spec = ojson::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(fmt::format("{}: not valid JSON: {}", source, e.what()));
  }
  return from_json(spec, source);
}

SearchSpace SearchSpace::load(const std::filesystem::path& file) {
  std::string text;
  try {
    text = io::read_file(file);
  } catch (const IoError&) {
    throw ConfigError(fmt::format("cannot read the search space file {}: check the `space` path", file.string()));
  }
  return parse(text, file.string());
}

const ParamSpec* SearchSpace::find(std::string_view name) const {
  for (auto& p : params_)
    if (p.name == name) return &p;
  return nullptr;
}

bool SearchSpace::is_active(const ParamSpec& spec, const Params& assigned) const {
  if (!spec.condition) return true;
  auto it = assigned.find(spec.condition->param);
  return it != assigned.end() && spec.condition->holds(it->second);
}

void SearchSpace::validate(const Params& params) const {
  Params seen;
  for (auto& spec : params_) {
    auto it = params.find(spec.name);
    bool active = is_active(spec, seen);
    if (active && it == params.end()) throw ConfigError(fmt::format("parameter '{}' is missing", spec.name));
    if (!active && it != params.end())
      throw ConfigError(fmt::format("parameter '{}' is given but its condition does not hold", spec.name));
    if (active) {
      spec.check(it->second);
      seen[spec.name] = it->second;
    }
  }
  for (auto& [name, _] : params)
    if (!find(name)) throw ConfigError(fmt::format("'{}' is not a parameter of the search space", name));
}

Params SearchSpace::prune_inactive(const Params& params) const {
  Params out;
  for (auto& spec : params_) {
    auto it = params.find(spec.name);
    if (it != params.end() && is_active(spec, out)) out[spec.name] = it->second;
  }
  return out;
}

nlohmann::json SearchSpace::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (auto& p : params_) list.push_back(p.to_json());
  return list;
}

SearchSpace SearchSpace::from_canonical(const nlohmann::json& canonical) {
  SearchSpace space;
  try {
    for (auto& j : canonical) {
      ParamSpec p;
      static_cast<Distribution&>(p) = Distribution::from_canonical(j);
      p.name = j.at("name").get<std::string>();
      p.grid = j.at("grid").get<std::vector<ParamValue>>();
      if (!j.at("condition").is_null()) {
        auto c = j.at("condition");
        ojson oc = ojson::parse(c.dump());
        p.condition = parse_condition(oc, Context{"stored search space", p.name});
      }
      if (!j.at("flag").is_null()) p.flag = j.at("flag").get<std::string>();
      p.group = j.value("group", "");
      space.params_.push_back(std::move(p));
    }
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("the stored search space is corrupt: {}", e.what()));
  }
  return space;
}

}  // namespace nnlab::tune
