#include "backend/cpu/scratch.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "nnlab/memory_budget.h"

namespace nnlab::cpu {

namespace {

constexpr size_t kAlignFloats = 16;  // 64 bytes
constexpr size_t kCheckedBytes = size_t{64} << 20;

float* allocate(size_t floats) {
  const size_t bytes = (floats * sizeof(float) + 4095) / 4096 * 4096;
  if (bytes >= kCheckedBytes)
    require_memory(bytes, "a kernel's scratch memory of " + std::to_string(floats) + " values",
                   "lower the batch (`batch_size`) or the model's width, or set NNLAB_CONV_ALGORITHM=direct");
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return static_cast<float*>(p);
}

struct Arena {
  std::unique_ptr<float, decltype(&std::free)> buffer{nullptr, &std::free};
  size_t capacity = 0;  // floats
  size_t used = 0;      // floats handed out since nothing was held
  size_t wanted = 0;    // the most `used` would have reached
  int held = 0;
};

Arena& arena() {
  thread_local Arena a;
  return a;
}

}  // namespace

Scratch::Scratch(size_t floats) {
  Arena& a = arena();
  const size_t n = (floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
  a.wanted = std::max(a.wanted, a.used + n);
  if (a.used + n <= a.capacity) {
    data_ = a.buffer.get() + a.used;
  } else {
    data_ = allocate(n);
    own_ = true;
  }
  a.used += n;
  ++a.held;
}

void Scratch::release() {
  if (!data_) return;
  if (own_) std::free(data_);
  Arena& a = arena();
  if (--a.held == 0) {
    a.used = 0;
    if (a.wanted > a.capacity) {
      a.buffer.reset();
      a.capacity = 0;
      try {
        a.buffer.reset(allocate(a.wanted));
        a.capacity = a.wanted;
      } catch (...) {
        // Not now: the calls that need more allocate their own, and say so if memory is short.
      }
    }
  }
  data_ = nullptr;
  own_ = false;
}

Scratch::~Scratch() { release(); }

size_t scratch_floats_kept() { return arena().capacity; }

Scratch::Scratch(Scratch&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), own_(std::exchange(other.own_, false)) {}

Scratch& Scratch::operator=(Scratch&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    own_ = std::exchange(other.own_, false);
  }
  return *this;
}

}  // namespace nnlab::cpu
