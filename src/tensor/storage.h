// Storage: the 64-byte aligned float buffer behind one or more tensors. Buffers come from
// caching allocators so that the steady-state training step allocates nothing from the
// system: a small freed buffer waits for the next request of the same size, a large one
// goes back to the segment pool (segment_pool.h), where requests of any size reuse it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace nnlab {

void* cached_alloc(size_t bytes);
void cached_free(void* ptr, size_t bytes);
size_t cached_bytes();  // bytes held in the cache, not in use
void release_cached();  // hands every cached buffer back to the system

struct Storage {
  explicit Storage(int64_t count);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  float* data;
  int64_t count;  // floats
  // Bumped by every in-place write; shared by all views of this storage.
  std::atomic<uint64_t> version{0};
  // Unique over the process (a freed buffer's address is reused, its id never): with the
  // version it names one state of the data, e.g. for a cache of weights in another layout.
  const uint64_t id;
  // A copy of this data in another layout (transposed weights), built by the op that uses
  // it and valid while derived_version == version.
  std::shared_ptr<void> derived;
  uint64_t derived_version = ~uint64_t{0};
};

}  // namespace nnlab
