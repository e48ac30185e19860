// Files that are either wholly old or wholly new, whenever the process dies: the bytes go
// to a temporary file beside the target, which is flushed to disk and renamed over it.
// Only a regular file (or nothing) is ever replaced: a path naming a terminal, a FIFO or a
// character device (/dev/stdout, /dev/null) gets the bytes streamed into it, a symbolic
// link has its target replaced (the link stays), and a directory or block device is an
// IoError. Temporary files that a killed writer left beside the target are removed by the
// next write of the same file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>

namespace nnlab::io {

void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// What read_file reads of a file that is not a regular one (a pipe, /dev/zero) unless told.
inline constexpr size_t kStreamReadLimit = size_t{1} << 30;

// The whole file; IoError naming the file when it cannot be read or holds more than
// `max_bytes` (what a configuration or a results file may hold: a bound, so that
// `--config /dev/zero` is refused rather than read forever). `what` names the kind of file
// in that message.
std::string read_file(const std::filesystem::path& path, size_t max_bytes = std::numeric_limits<size_t>::max(),
                      std::string_view what = "a file nnlab reads");
// The bound for JSON configuration files (train configs, search spaces, results).
inline constexpr size_t kConfigFileLimit = size_t{16} << 20;

// Appends one line and flushes it to disk (metrics.jsonl and other logs).
void append_line_durable(const std::filesystem::path& path, std::string_view line);

}  // namespace nnlab::io
