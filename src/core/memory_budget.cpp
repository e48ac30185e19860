#include "nnlab/memory_budget.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include "nnlab/error.h"

namespace nnlab {

namespace {

constexpr uint64_t kUnbounded = std::numeric_limits<uint64_t>::max();

// A "Key:   123 kB" line of /proc/meminfo or /proc/self/status, in bytes.
uint64_t proc_field(const char* file, std::string_view key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() && line[key.size()] == ':')
      return std::stoull(line.substr(key.size() + 1)) * 1024;
  return kUnbounded;
}

uint64_t file_number(const char* file) {
  std::ifstream in(file);
  std::string s;
  if (!(in >> s) || s == "max") return kUnbounded;
  try {
    return std::stoull(s);
  } catch (...) {
    return kUnbounded;
  }
}

}  // namespace

uint64_t available_memory() {
  uint64_t avail = proc_field("/proc/meminfo", "MemAvailable");
  if (const uint64_t swap = proc_field("/proc/meminfo", "SwapFree"); avail != kUnbounded && swap != kUnbounded)
    avail += swap;
  const uint64_t max = file_number("/sys/fs/cgroup/memory.max");
  const uint64_t used = file_number("/sys/fs/cgroup/memory.current");
  if (max != kUnbounded && used != kUnbounded) avail = std::min(avail, max > used ? max - used : 0);
  rlimit as{};
  if (::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    const uint64_t mapped = proc_field("/proc/self/status", "VmSize");
    const uint64_t limit = static_cast<uint64_t>(as.rlim_cur);
    if (mapped != kUnbounded) avail = std::min(avail, limit > mapped ? limit - mapped : 0);
  }
  return avail;
}

std::string_view format_bytes(uint64_t bytes, char (&buffer)[32]) {
  const double b = static_cast<double>(bytes);
  int n = b >= 1e9 ? std::snprintf(buffer, sizeof buffer, "%.1f GB", b / 1e9)
                   : std::snprintf(buffer, sizeof buffer, "%.0f MB", std::max(1.0, b / 1e6));
  return {buffer, static_cast<size_t>(std::max(n, 0))};
}

void require_memory(uint64_t bytes, std::string_view what, std::string_view how) {
  const uint64_t avail = available_memory();
  if (bytes <= avail) return;
  char need[32], have[32];
  throw MemoryError(std::string(what) + " needs " + std::string(format_bytes(bytes, need)) + ", more than the " +
                    std::string(format_bytes(avail, have)) + " of memory available: " + std::string(how));
}

}  // namespace nnlab
