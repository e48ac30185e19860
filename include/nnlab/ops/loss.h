// Loss functions. Class targets are int32 indices in [0, K).
#pragma once

#include <cstdint>
#include <span>

#include "nnlab/tensor.h"

namespace nnlab {

enum class Reduction { Mean, Sum, None };

// Cross-entropy from logits [N, K], as PyTorch's F.cross_entropy: with label smoothing ε
// the target is (1-ε)·onehot + ε/K.
Tensor cross_entropy(const Tensor& logits, std::span<const int32_t> targets, Reduction reduction = Reduction::Mean,
                     float label_smoothing = 0.0f);
// Negative log-likelihood of log-probabilities [N, K].
Tensor nll_loss(const Tensor& log_probs, std::span<const int32_t> targets, Reduction reduction = Reduction::Mean);
// Binary cross-entropy with logits, any shape; targets in [0, 1] of the same shape.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        Reduction reduction = Reduction::Mean);
// Mean squared error of any two tensors of the same shape (gradients flow to both).
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// One-hot rows [N, K] of the targets (for MSE against softmax or sigmoid outputs).
Tensor one_hot(std::span<const int32_t> targets, int64_t num_classes);

}  // namespace nnlab
