#include "tensor/storage.h"

#include <cstdlib>
#include <string>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "nnlab/memory_budget.h"
#include "tensor/segment_pool.h"

namespace nnlab {
namespace {

constexpr size_t kAlign = 64;
// Cached bytes above this are returned to the system rather than kept.
constexpr size_t kMaxCached = size_t{2} << 30;
// Allocations from this size on are checked against the memory available (reading it costs
// a few microseconds, nothing beside allocating and filling this much).
constexpr size_t kCheckedSize = size_t{64} << 20;
// Buffers from this size on come from the segment pool, where freed memory serves any size
// (segment_pool.h); the smaller ones, of which a step allocates many of few sizes, from the
// cache by exact size. Pooling from 64 KB on left alexnet's and mlp's peaks as they were:
// what the cache wasted was the large activations, whose sizes differ from layer to layer.
constexpr size_t kPooledSize = size_t{1} << 20;

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

void require_tensor_memory(size_t size, size_t bytes) {
  // Large buffers are checked against the memory left, so that a model or batch too large
  // for the machine is refused with its size rather than by the kernel's OOM killer.
  if (size >= kCheckedSize)
    require_memory(size, "a tensor of " + std::to_string(bytes / sizeof(float)) + " values",
                   "lower the model's size (`hidden`, `classes`), the batch (`batch_size`) or the input "
                   "(`image_size`, `input`)");
}

thread_local size_t t_requested = 0;  // the request a new segment is made for

SegmentPool& pool() {
  static SegmentPool* p = new SegmentPool(
      [](size_t size) -> void* {
        require_tensor_memory(size, t_requested);
        return std::aligned_alloc(4096, size);
      },
      [](void* ptr) { std::free(ptr); });  // never destroyed, as the cache
  return *p;
}

}  // namespace

void* cached_alloc(size_t bytes) {
  size_t size = round_up(bytes == 0 ? kAlign : bytes);
  if (size >= kPooledSize) {
    t_requested = bytes;
    return pool().allocate(size);
  }
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
  require_tensor_memory(size, bytes);
  void* p = std::aligned_alloc(kAlign, size);
  if (!p) throw std::bad_alloc();
  return p;
}

void cached_free(void* ptr, size_t bytes) {
  if (!ptr) return;
  size_t size = round_up(bytes == 0 ? kAlign : bytes);
  if (size >= kPooledSize) {
    pool().free(ptr);
    // As the cache: beyond this much unused, the wholly free segments go back to the system.
    if (pool().free_bytes() > kMaxCached) pool().release();
    return;
  }
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
  const size_t pooled = pool().free_bytes();
  std::lock_guard lock(cache().mutex);
  return cache().bytes + pooled;
}

void release_cached() {
  pool().release();
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
