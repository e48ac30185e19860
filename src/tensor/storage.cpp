#include "tensor/storage.h"

#include <cstdlib>
#include <string>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "nnlab/memory_budget.h"

namespace nnlab {
namespace {

constexpr size_t kAlign = 64;
// Cached bytes above this are returned to the system rather than kept.
constexpr size_t kMaxCached = size_t{2} << 30;
// Allocations from this size on are checked against the memory available (reading it costs
// a few microseconds, nothing beside allocating and filling this much).
constexpr size_t kCheckedSize = size_t{64} << 20;

size_t round_up(size_t bytes) {
  // Small buffers round to the alignment; large ones to pages, so that sizes which differ
  // by a few elements from step to step still share buffers.
  size_t unit = bytes >= (size_t{1} << 16) ? 4096 : kAlign;
  return (bytes + unit - 1) / unit * unit;
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free;
  size_t bytes = 0;
};

Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: buffers may be freed during exit
  return *c;
}

}  // namespace

void* cached_alloc(size_t bytes) {
  size_t size = round_up(bytes == 0 ? kAlign : bytes);
  {
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    auto it = c.free.find(size);
    if (it != c.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.bytes -= size;
      return p;
    }
  }
  // Large buffers are checked against the memory left, so that a model or batch too large
  // for the machine is refused with its size rather than by the kernel's OOM killer.
  if (size >= kCheckedSize)
    require_memory(size, "a tensor of " + std::to_string(bytes / sizeof(float)) + " values",
                   "lower the model's size (`hidden`, `classes`), the batch (`batch_size`) or the input "
                   "(`image_size`, `input`)");
  void* p = std::aligned_alloc(kAlign, size);
  if (!p) throw std::bad_alloc();
  return p;
}

void cached_free(void* ptr, size_t bytes) {
  if (!ptr) return;
  size_t size = round_up(bytes == 0 ? kAlign : bytes);
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    if (c.bytes + size <= kMaxCached) {
      c.free[size].push_back(ptr);
      c.bytes += size;
      return;
    }
  }
  std::free(ptr);
}

size_t cached_bytes() {
  std::lock_guard lock(cache().mutex);
  return cache().bytes;
}

void release_cached() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  for (auto& [size, list] : c.free)
    for (void* p : list) std::free(p);
  c.free.clear();
  c.bytes = 0;
}

namespace {
std::atomic<uint64_t> g_next_storage_id{1};
}

Storage::Storage(int64_t n)
    : data(static_cast<float*>(cached_alloc(sizeof(float) * n))),
      count(n),
      id(g_next_storage_id.fetch_add(1, std::memory_order_relaxed)) {}

Storage::~Storage() { cached_free(data, sizeof(float) * count); }

}  // namespace nnlab
