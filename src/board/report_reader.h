// Experiment report folders (nnlab experiment): report.md rendered to HTML by cmark-gfm
// (GitHub's CommonMark with tables) in its safe mode, which drops raw HTML and javascript:
// links, so a report is shown as text and pictures only.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "board/run_reader.h"

namespace nnlab::board {

std::string markdown_to_html(std::string_view markdown);

// {"id", "name", "experiment", "title"}: a row of the experiments list.
nlohmann::json experiment_row(const FoundDir& found, const std::filesystem::path& dir);
// The row with "html" (report.md rendered; its images name files of the folder) and
// "files" (the folder's PNG and CSV files).
nlohmann::json experiment_detail(const FoundDir& found, const std::filesystem::path& dir);

}  // namespace nnlab::board
