#include "nnlab/tune/distribution.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "nnlab/error.h"

namespace nnlab::tune {

namespace {

using ojson = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& what) { throw ConfigError(what); }

double number_field(const ojson& entry, const char* key) {
  if (!entry.contains(key)) fail(fmt::format("needs \"{}\" (a number)", key));
  const ojson& v = entry.at(key);
  if (!v.is_number()) fail(fmt::format("\"{}\" must be a number, got {}", key, v.dump()));
  double d = v.get<double>();
  if (!std::isfinite(d)) fail(fmt::format("\"{}\" must be finite", key));
  return d;
}

bool is_integral(double d) { return std::isfinite(d) && std::floor(d) == d; }

void parse_numeric(Distribution& p, const ojson& e) {
  if (e.contains("choices")) fail("\"choices\" belongs to categorical parameters");
  p.low = number_field(e, "low");
  p.high = number_field(e, "high");
  if (!(p.low < p.high)) fail(fmt::format("\"low\" ({}) must be below \"high\" ({})", p.low, p.high));
  if (e.contains("log")) {
    if (!e.at("log").is_boolean()) fail("\"log\" must be true or false");
    p.log = e.at("log").get<bool>();
  }
  if (p.log && p.low <= 0) fail(fmt::format("a log scale needs \"low\" > 0, got {}", p.low));
  if (p.type == ParamType::Int) {
    if (!is_integral(p.low) || !is_integral(p.high)) fail("an int parameter needs integer \"low\" and \"high\"");
    p.step = e.contains("step") ? number_field(e, "step") : 1.0;
    if (!is_integral(p.step) || p.step < 1) fail("an int \"step\" must be an integer ≥ 1");
    if (p.log && p.step != 1) fail("a log-scaled int parameter cannot have a \"step\" other than 1");
  } else if (e.contains("step")) {
    p.step = number_field(e, "step");
    if (p.step <= 0) fail("\"step\" must be > 0");
    if (p.log) fail("a log-scaled float parameter cannot have a \"step\"");
  }
  if (p.step > 0) {
    double n = (p.high - p.low) / p.step;
    if (std::fabs(n - std::round(n)) > 1e-9 * std::max(1.0, n))
      fail(fmt::format("high - low ({}) must be a multiple of step ({})", p.high - p.low, p.step));
  }
}

void parse_categorical(Distribution& p, const ojson& e) {
  for (const char* key : {"low", "high", "log", "step"})
    if (e.contains(key)) fail(fmt::format("\"{}\" does not apply to a categorical parameter", key));
  if (!e.contains("choices") || !e.at("choices").is_array() || e.at("choices").empty())
    fail("a categorical parameter needs \"choices\": a non-empty array");
  for (auto& c : e.at("choices")) {
    if (!(c.is_string() || c.is_number() || c.is_boolean()))
      fail(fmt::format("choice {} is not a string, number or boolean", c.dump()));
    nlohmann::json v(c);
    if (p.find_choice(v)) fail(fmt::format("choice {} is listed twice", v.dump()));
    p.choices.push_back(std::move(v));
  }
}

}  // namespace

Distribution Distribution::parse(const ojson& e) {
  if (!e.contains("type") || !e.at("type").is_string()) fail("needs \"type\": float, int or categorical");
  Distribution p;
  std::string type = e.at("type").get<std::string>();
  if (type == "float") p.type = ParamType::Float;
  else if (type == "int") p.type = ParamType::Int;
  else if (type == "categorical") p.type = ParamType::Categorical;
  else fail(fmt::format("unknown type \"{}\" (accepted: float, int, categorical)", type));
  if (p.type == ParamType::Categorical) parse_categorical(p, e);
  else parse_numeric(p, e);
  return p;
}

Distribution Distribution::from_canonical(const nlohmann::json& j) {
  Distribution p;
  std::string type = j.at("type").get<std::string>();
  p.type = type == "categorical" ? ParamType::Categorical : type == "int" ? ParamType::Int : ParamType::Float;
  if (p.type == ParamType::Categorical) {
    p.choices = j.at("choices").get<std::vector<ParamValue>>();
  } else {
    p.low = j.at("low").get<double>();
    p.high = j.at("high").get<double>();
    p.log = j.at("log").get<bool>();
    p.step = j.at("step").get<double>();
  }
  return p;
}

bool Distribution::is_boolean() const {
  return type == ParamType::Categorical && choices.size() == 2 && choices[0].is_boolean() && choices[1].is_boolean();
}

std::optional<size_t> Distribution::find_choice(const ParamValue& value) const {
  auto it = std::find(choices.begin(), choices.end(), value);
  if (it == choices.end()) return std::nullopt;
  return static_cast<size_t>(it - choices.begin());
}

double Distribution::to_internal(const ParamValue& value) const {
  if (type == ParamType::Categorical) {
    if (auto i = find_choice(value)) return static_cast<double>(*i);
    throw ConfigError(fmt::format("{} is not one of the choices {}", value.dump(), nlohmann::json(choices).dump()));
  }
  double v = value.get<double>();
  return log ? std::log(v) : v;
}

ParamValue Distribution::from_internal(double x) const {
  if (type == ParamType::Categorical) {
    double i = std::clamp(std::round(x), 0.0, static_cast<double>(choices.size() - 1));
    return choices[static_cast<size_t>(i)];
  }
  // The bounds exactly: exp(log(low)) may be low plus one ulp.
  double v = x <= internal_low() ? low : x >= internal_high() ? high : log ? std::exp(x) : x;
  if (step > 0) v = low + std::round((v - low) / step) * step;
  if (type == ParamType::Int) v = std::round(v);
  v = std::clamp(v, low, high);
  if (type == ParamType::Int) return static_cast<int64_t>(v);
  return v;
}

double Distribution::internal_low() const {
  if (type == ParamType::Categorical) return 0;
  return log ? std::log(low) : low;
}

double Distribution::internal_high() const {
  if (type == ParamType::Categorical) return static_cast<double>(choices.size() - 1);
  return log ? std::log(high) : high;
}

std::optional<std::string> Distribution::violation(const ParamValue& value) const {
  if (type == ParamType::Categorical) {
    if (find_choice(value)) return std::nullopt;
    return fmt::format("{} is not one of its choices {}", value.dump(), nlohmann::json(choices).dump());
  }
  if (!value.is_number()) return fmt::format("{} is not a number", value.dump());
  double v = value.get<double>();
  double tol = 1e-12 * std::max(1.0, std::fabs(high - low));
  if (!std::isfinite(v) || v < low - tol || v > high + tol)
    return fmt::format("{} is outside [{}, {}]", value.dump(), low, high);
  if (type == ParamType::Int && !is_integral(v)) return fmt::format("{} is not an integer", value.dump());
  if (step > 0) {
    double k = (v - low) / step;
    if (std::fabs(k - std::round(k)) > 1e-9 * std::max(1.0, k))
      return fmt::format("{} is not low + a multiple of step {}", value.dump(), step);
  }
  return std::nullopt;
}

void Distribution::to_json(nlohmann::json& j) const {
  if (type == ParamType::Categorical) {
    j["type"] = "categorical";
    j["choices"] = choices;
  } else {
    j["type"] = type == ParamType::Int ? "int" : "float";
    j["low"] = low;
    j["high"] = high;
    j["log"] = log;
    j["step"] = step;
  }
}

std::string display_value(const ParamValue& value) {
  if (value.is_number_float()) return fmt::format("{:.6g}", value.get<double>());
  return format_value(value);
}

std::string format_value(const ParamValue& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return fmt::format("{}", value.get<int64_t>());
  if (value.is_number()) return fmt::format("{}", value.get<double>());
  return value.dump();
}

}  // namespace nnlab::tune
