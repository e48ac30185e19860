// The training loss of a batch's logits as the configuration asks (cross-entropy with its
// label smoothing, or binary cross-entropy for a one-logit head), and the logits the
// metrics see: one definition for every way a step is run.
#pragma once

#include <cstdint>
#include <span>

#include "nnlab/tensor.h"
#include "nnlab/train/config.h"

namespace nnlab::train {

Tensor training_loss(const TrainConfig& config, const Tensor& out, std::span<const int32_t> labels);
Tensor metric_logits(const TrainConfig& config, const Tensor& out);  // detached

}  // namespace nnlab::train
