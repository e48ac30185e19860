// Memory that one kernel call needs only while it runs: oneDNN's scratchpad, the blocked
// copies of a Winograd convolution's activations, a training step's reordered weights.
// Each thread carves it from one buffer of its own, from the start again whenever none of
// it is held: the tensor allocator keeps freed buffers by size, and there the dozen scratch
// sizes of a network's layers would each stay cached on top of the others. Here what stays
// is one buffer per thread, of the most any one call held at once.
#pragma once

#include <cstddef>

namespace nnlab::cpu {

// Held by one thread: released on the thread that made it.
class Scratch {
 public:
  Scratch() = default;
  explicit Scratch(size_t floats);
  ~Scratch();
  Scratch(Scratch&& other) noexcept;
  Scratch& operator=(Scratch&& other) noexcept;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  float* data() const { return data_; }

 private:
  void release();
  float* data_ = nullptr;
  bool own_ = false;  // beyond the thread's buffer (it grows once nothing is held)
};

// Floats this thread's buffer holds now (it grows, once nothing is held, to the most that
// was held at once).
size_t scratch_floats_kept();

}  // namespace nnlab::cpu
