// SegmentPool: where large tensor buffers live. A training step frees and allocates the
// same sizes in the same order each time, so a cache of freed buffers by exact size makes
// the steady state allocate nothing from the system; but it keeps, for every size, as many
// buffers as were ever alive at once, summed over all sizes, while the step never holds all
// of them together. At vgg16's peak (batch 128) 471 of 849 MB sat in that cache unused.
//
// Here freed buffers go back to the segments they were cut from, merge with free
// neighbours, and any later request of any size may take a piece of them (best fit). A
// segment is made only when no free range fits, and kept until release() finds it wholly
// free, so after the first steps the pool allocates nothing from the system either.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace nnlab {

class SegmentPool {
 public:
  // `new_segment(bytes)` gets memory from the system (aligned to 4096) and `drop(ptr)`
  // returns it; they are parameters so that tests can watch the segments made.
  using NewSegment = void* (*)(size_t bytes);
  using DropSegment = void (*)(void* ptr);
  SegmentPool(NewSegment new_segment, DropSegment drop);
  ~SegmentPool();
  SegmentPool(const SegmentPool&) = delete;
  SegmentPool& operator=(const SegmentPool&) = delete;

  // `bytes` must be a multiple of 4096.
  void* allocate(size_t bytes);
  void free(void* ptr);

  size_t free_bytes() const;     // in segments, not in use
  size_t segment_bytes() const;  // all segments together
  // Returns every wholly free segment to the system.
  void release();

 private:
  struct Segment;
  struct Range {
    Segment* segment;
    size_t offset;
  };
  using ByLength = std::multimap<size_t, Range>;  // every free range, by its length (best fit)
  struct Segment {
    char* base;
    size_t size;
    // Offset -> the free range's entry in by_length_ (whose key is its length), merged.
    std::map<size_t, ByLength::iterator> free;
  };
  using FreeRange = std::map<size_t, ByLength::iterator>::iterator;
  static size_t range_length(FreeRange it) { return it->second->first; }
  void insert_free(Segment* s, size_t offset, size_t length);
  void erase_free(Segment* s, FreeRange it);

  NewSegment new_segment_;
  DropSegment drop_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Segment>> segments_;
  ByLength by_length_;
  std::unordered_map<void*, std::pair<Segment*, size_t>> in_use_;  // pointer -> segment, length
  size_t free_bytes_ = 0, segment_bytes_ = 0;
};

}  // namespace nnlab
