#include "train/step_loss.h"

#include "nnlab/ops/loss.h"
#include "train/binary_head.h"

namespace nnlab::train {

Tensor training_loss(const TrainConfig& config, const Tensor& out, std::span<const int32_t> labels) {
  if (config.model.binary) return binary_cross_entropy_with_logits(out, binary_targets(labels));
  return cross_entropy(out, labels, Reduction::Mean, static_cast<float>(config.label_smoothing));
}

Tensor metric_logits(const TrainConfig& config, const Tensor& out) {
  return config.model.binary ? two_class_logits(out.detach()) : out.detach();
}

}  // namespace nnlab::train
