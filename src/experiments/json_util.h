// Reading results back for the reports: numbers that may be null (a measurement that
// could not be made is stored as null, as nlohmann writes NaN), and vectors of them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nnlab::experiments {

// The number at j, NaN for null or a missing key.
double number(const nlohmann::json& j);
double number(const nlohmann::json& j, const std::string& key);
std::vector<double> numbers(const nlohmann::json& j);  // an array of numbers (null → NaN)
// The object's key, throwing IoError that names it when results.json lacks it.
const nlohmann::json& field(const nlohmann::json& j, const std::string& key);

}  // namespace nnlab::experiments
