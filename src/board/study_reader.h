// Studies as the board shows them, read through the tune layer's storage opened ReadOnly:
// a database that is locked, corrupt or unreachable is an error for that storage, never
// the server's end.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nnlab::board {

// {"storages": [{"index", "url" (without a password), "studies": [study_summary...]} or
// {"index", "url", "error"}]}
nlohmann::json list_studies(const std::vector<std::string>& urls);

// {"summary", "trials": [trial_to_json...], "importance": [{"name", "importance", "trials"}]}.
// Throws nnlab::Error (IoError for a locked or corrupt database, ConfigError for
// a study that is not there).
nlohmann::json study_detail(const std::string& url, const std::string& name);

}  // namespace nnlab::board
