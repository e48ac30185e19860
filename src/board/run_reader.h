// Run directories as the board shows them: found under the roots, and read while they may
// still be written. A metrics line that is not a JSON object with an epoch is skipped and
// counted; a last line without its newline is one being written, left for the next read.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nnlab::board {

enum class DirKind { Run, Experiment };

struct FoundDir {
  DirKind kind = DirKind::Run;
  int root = 0;         // index into the roots
  std::string rel;      // path below the root ("" for the root itself)
  std::string id() const { return std::to_string(root) + "/" + rel; }
};

// The run directories (config.json or metrics.jsonl) and experiment report folders
// (report.md and results.json) up to 4 levels below each root, not following links, skipping
// hidden folders; at most `limit` folders are visited per root.
std::vector<FoundDir> find_dirs(const std::vector<std::filesystem::path>& roots, size_t limit = 20000);

struct MetricsRead {
  nlohmann::json records = nlohmann::json::array();  // those after the first `from`
  size_t count = 0;                                    // good records in the file
  int corrupt = 0;                                     // lines skipped
  std::vector<size_t> corrupt_lines;                   // their 1-based numbers (the first 20)
  bool partial_tail = false;                           // a last line still being written
  std::string error;                                   // the file could not be read
};
MetricsRead read_metrics(const std::filesystem::path& file, size_t from = 0);

// "training" (a process holds the run's lock), "finished" (summary.json), or "stopped".
std::string run_status(const std::filesystem::path& dir);

// A row of the runs table: id, name, model, dataset, optimizer, lr, batch_size, epochs
// (planned), epochs_done, best/final test accuracy, best validation accuracy, time_s,
// images_per_second, status, corrupt_lines, updated (Unix seconds), error (when a file of
// the run could not be read).
nlohmann::json run_row(const FoundDir& found, const std::filesystem::path& dir);

// The whole run: its row, config, summary (null until written) and the records after `from`.
nlohmann::json run_detail(const FoundDir& found, const std::filesystem::path& dir, size_t from);

}  // namespace nnlab::board
