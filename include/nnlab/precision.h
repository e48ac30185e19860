// The arithmetic precision of convolutions. Float32 is the default and what every golden
// test checks. BF16 is an opt-in mixed-precision mode for CPUs with AVX512-BF16: the
// forward and input-gradient passes of stride-1 convolutions with more than 8 input
// channels (the bulk of a conv net's arithmetic) read their inputs, weights and output
// gradients rounded to bfloat16 and accumulate in float32. Weight gradients, parameters,
// optimizer state, batch norm, pooling, fully connected layers, losses and activations stay
// float32. tests/precision_test.cpp bounds the difference from float32.
#pragma once

#include "nnlab/scoped_setting.h"

namespace nnlab {

enum class Precision { F32, BF16 };

void set_precision(Precision p);
Precision precision();
// True when this CPU runs bfloat16 arithmetic natively (oneDNN's avx512_core_bf16 or newer).
bool bf16_supported();

// Sets the precision for its scope.
using PrecisionGuard = ScopedSetting<Precision, precision, set_precision>;

}  // namespace nnlab
