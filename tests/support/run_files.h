// What tests read back from run directories: a fresh scratch folder per test process, and
// the JSON lines nnlab writes (metrics.jsonl, steps.jsonl).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nnlab::testing {

// TMPDIR/PREFIXNAME_PID, emptied: two test processes never share one.
inline std::filesystem::path fresh_dir(const std::string& prefix, const std::string& name) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / (prefix + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

// One JSON value per non-empty line.
inline std::vector<nlohmann::json> json_lines(const std::filesystem::path& file) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

inline std::vector<nlohmann::json> metrics(const std::filesystem::path& run) { return json_lines(run / "metrics.jsonl"); }

}  // namespace nnlab::testing
