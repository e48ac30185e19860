// A process-wide setting changed for a scope and restored after it, like NoGradGuard:
// PrecisionGuard (nnlab/precision.h) and ConvAlgorithmGuard (nnlab/conv_algorithm.h).
#pragma once

namespace nnlab {

template <class T, T (*Get)(), void (*Set)(T)>
class ScopedSetting {
 public:
  explicit ScopedSetting(T value) : previous_(Get()) { Set(value); }
  ~ScopedSetting() { Set(previous_); }
  ScopedSetting(const ScopedSetting&) = delete;
  ScopedSetting& operator=(const ScopedSetting&) = delete;

 private:
  T previous_;
};

}  // namespace nnlab
