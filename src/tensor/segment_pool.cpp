#include "tensor/segment_pool.h"

#include <new>
#include <stdexcept>

namespace nnlab {

SegmentPool::SegmentPool(NewSegment new_segment, DropSegment drop) : new_segment_(new_segment), drop_(drop) {}

SegmentPool::~SegmentPool() {
  for (auto& s : segments_) drop_(s->base);
}

void SegmentPool::insert_free(Segment* s, size_t offset, size_t length) {
  s->free.emplace(offset, by_length_.emplace(length, Range{s, offset}));
  free_bytes_ += length;
}

void SegmentPool::erase_free(Segment* s, FreeRange it) {
  free_bytes_ -= range_length(it);
  by_length_.erase(it->second);
  s->free.erase(it);
}

void* SegmentPool::allocate(size_t bytes) {
  std::lock_guard lock(mutex_);
  auto best = by_length_.lower_bound(bytes);
  Segment* s;
  size_t offset;
  if (best != by_length_.end()) {
    s = best->second.segment;
    offset = best->second.offset;
    const size_t length = best->first;
    erase_free(s, s->free.find(offset));
    if (length > bytes) insert_free(s, offset + bytes, length - bytes);
  } else {
    void* p = new_segment_(bytes);
    if (!p) throw std::bad_alloc();
    segments_.push_back(std::make_unique<Segment>(Segment{static_cast<char*>(p), bytes, {}}));
    segment_bytes_ += bytes;
    s = segments_.back().get();
    offset = 0;
  }
  void* ptr = s->base + offset;
  in_use_.emplace(ptr, std::make_pair(s, bytes));
  return ptr;
}

void SegmentPool::free(void* ptr) {
  std::lock_guard lock(mutex_);
  auto used = in_use_.find(ptr);
  if (used == in_use_.end()) throw std::logic_error("SegmentPool::free of a pointer it did not allocate");
  auto [s, length] = used->second;
  in_use_.erase(used);
  size_t offset = static_cast<size_t>(static_cast<char*>(ptr) - s->base);
  // Merge with the free ranges just after and just before, so that any size may reuse them.
  auto next = s->free.lower_bound(offset);
  if (next != s->free.end() && next->first == offset + length) {
    length += range_length(next);
    auto after = std::next(next);
    erase_free(s, next);
    next = after;
  }
  if (next != s->free.begin()) {
    auto prev = std::prev(next);
    if (prev->first + range_length(prev) == offset) {
      offset = prev->first;
      length += range_length(prev);
      erase_free(s, prev);
    }
  }
  insert_free(s, offset, length);
}

size_t SegmentPool::free_bytes() const {
  std::lock_guard lock(mutex_);
  return free_bytes_;
}

size_t SegmentPool::segment_bytes() const {
  std::lock_guard lock(mutex_);
  return segment_bytes_;
}

void SegmentPool::release() {
  std::lock_guard lock(mutex_);
  std::vector<std::unique_ptr<Segment>> kept;
  for (auto& s : segments_) {
    const bool whole = s->free.size() == 1 && s->free.begin()->first == 0 && range_length(s->free.begin()) == s->size;
    if (!whole) {
      kept.push_back(std::move(s));
      continue;
    }
    erase_free(s.get(), s->free.begin());
    segment_bytes_ -= s->size;
    drop_(s->base);
  }
  segments_ = std::move(kept);
}

}  // namespace nnlab
