// Batch normalisation (Ioffe and Szegedy, 2015) of [N, C] or [N, C, H, W] tensors.
#pragma once

#include <memory>
#include <span>

#include "nnlab/tensor.h"

namespace nnlab {

// Adds per-channel sums up over the processes that each hold a share of one batch, for
// synchronised batch norm (PyTorch's SyncBatchNorm): the training layer implements it on
// its replica group; ops know nothing of how. Every process must call it in the same order.
class BatchStatsReducer {
 public:
  virtual ~BatchStatsReducer() = default;
  // Element-wise sums over the processes, in place, the same on each.
  virtual void sum(std::span<double> values) = 0;
};

struct BatchNormParams {
  bool training = true;
  float momentum = 0.1f;  // running = (1 - momentum) * running + momentum * batch
  float eps = 1e-5f;
  bool relu = false;  // apply ReLU to the output in the same pass (batch norm then ReLU, fused)
  // Training with a reducer: statistics of the whole batch across the processes, and the
  // backward's Σdy and Σdy·x̂ summed too, so that dx is the whole batch's. The weight and
  // bias gradients stay this process's share, as in PyTorch: the data-parallel gradient
  // average then makes them the whole batch's.
  std::shared_ptr<BatchStatsReducer> reducer{};  // {}: as Conv2dParams::residual
};

// Training: normalises with the batch statistics (biased variance) and updates the running
// mean and the running (unbiased) variance in place. Eval: uses the running statistics.
// weight and bias [C] are optional (affine=false).
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, BatchNormParams params);

}  // namespace nnlab
