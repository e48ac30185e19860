// The arithmetic precision of convolutions and matrix products. Float32 is the default and
// what every golden test checks. BF16 is an opt-in mixed-precision mode for CPUs with
// AVX512-BF16: convolution and fully connected layers read their inputs and weights rounded
// to bfloat16 and accumulate in float32; parameters, gradients, optimizer state, batch
// norm, losses and activations stay float32.
#pragma once

namespace nnlab {

enum class Precision { F32, BF16 };

void set_precision(Precision p);
Precision precision();
// True when this CPU runs bfloat16 arithmetic natively (oneDNN's avx512_core_bf16 or newer).
bool bf16_supported();

// Sets the precision for its scope, like NoGradGuard.
class PrecisionGuard {
 public:
  explicit PrecisionGuard(Precision p) : previous_(precision()) { set_precision(p); }
  ~PrecisionGuard() { set_precision(previous_); }
  PrecisionGuard(const PrecisionGuard&) = delete;
  PrecisionGuard& operator=(const PrecisionGuard&) = delete;

 private:
  Precision previous_;
};

}  // namespace nnlab
