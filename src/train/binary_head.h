// Two-class training with one logit (logreg with `binary`): targets as floats for binary
// cross-entropy, and the logit z shown to the metrics as the pair (0, z), whose softmax is
// (1 - sigmoid(z), sigmoid(z)).
#pragma once

#include <cstdint>
#include <span>

#include "nnlab/tensor.h"

namespace nnlab::train {

Tensor binary_targets(std::span<const int32_t> labels);  // [N, 1] of 0 and 1
Tensor two_class_logits(const Tensor& logit);            // [N, 1] -> [N, 2]

}  // namespace nnlab::train
