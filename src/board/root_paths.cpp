#include "board/root_paths.h"

#include <algorithm>

namespace nnlab::board {

namespace fs = std::filesystem;

bool is_inside(const fs::path& root, const fs::path& path) {
  auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  // A trailing separator makes an empty last element ("/runs/" against "/runs/x").
  return r == root.end() || (std::next(r) == root.end() && r->empty());
}

std::optional<fs::path> resolve_inside(const fs::path& root, std::string_view rel) {
  if (rel.size() > 4096 || rel.find('\0') != std::string_view::npos) return std::nullopt;
  const fs::path r{std::string(rel)};
  if (r.has_root_path()) return std::nullopt;
  // Refused even where it would resolve inside: no request needs to climb.
  for (const fs::path& part : r)
    if (part == "..") return std::nullopt;
  std::error_code ec;
  fs::path full = fs::weakly_canonical(root / r, ec);
  if (ec || !is_inside(root, full)) return std::nullopt;
  return full;
}

}  // namespace nnlab::board
