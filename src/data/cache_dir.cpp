#include <cstdlib>

#include "nnlab/data/datasets.h"

namespace nnlab::data {

std::filesystem::path cache_root() {
  const char* home = std::getenv("HOME");
  if (!home || !*home) return {};
  return std::filesystem::path(home) / ".cache" / "nnlab";
}

}  // namespace nnlab::data
