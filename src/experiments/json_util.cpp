#include "experiments/json_util.h"

#include <limits>

#include "nnlab/error.h"

namespace nnlab::experiments {

double number(const nlohmann::json& j) {
  return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

double number(const nlohmann::json& j, const std::string& key) {
  return j.is_object() && j.contains(key) ? number(j.at(key)) : std::numeric_limits<double>::quiet_NaN();
}

std::vector<double> numbers(const nlohmann::json& j) {
  std::vector<double> out;
  if (!j.is_array()) return out;
  out.reserve(j.size());
  for (const auto& v : j) out.push_back(number(v));
  return out;
}

const nlohmann::json& field(const nlohmann::json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key))
    throw IoError("results.json lacks '" + key + "': it was not written by this version of nnlab experiment");
  return j.at(key);
}

}  // namespace nnlab::experiments
