// Files that are either wholly old or wholly new, whenever the process dies: the bytes go
// to a temporary file beside the target, which is flushed to disk and renamed over it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace nnlab::io {

void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);
std::string read_file(const std::filesystem::path& path);  // throws IoError naming the file
// Appends one line and flushes it to disk (metrics.jsonl and other logs).
void append_line_durable(const std::filesystem::path& path, std::string_view line);

}  // namespace nnlab::io
