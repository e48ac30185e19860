// The one gate between a request and the file system: a path a request names is taken
// relative to one of the board's roots, resolved (links followed, ".." refused before that),
// and used only when the result is still inside that root.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace nnlab::board {

// Whether `path` (canonical) is `root` (canonical) or below it.
bool is_inside(const std::filesystem::path& root, const std::filesystem::path& path);

// root / rel resolved, when rel is relative, names no "..", and leads (through any links) to
// a place inside root; nullopt otherwise. rel "" is the root itself.
std::optional<std::filesystem::path> resolve_inside(const std::filesystem::path& root, std::string_view rel);

}  // namespace nnlab::board
