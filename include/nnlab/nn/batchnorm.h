// nn::BatchNorm1d and nn::BatchNorm2d with PyTorch's buffers (running_mean, running_var,
// num_batches_tracked) so state dicts match.
#pragma once

#include "nnlab/nn/module.h"
#include "nnlab/ops/norm.h"

namespace nnlab::nn {

struct BatchNormOptions {
  explicit BatchNormOptions(int64_t features) : num_features(features) {}
  BatchNormOptions& eps(float v) { eps_ = v; return *this; }
  BatchNormOptions& momentum(float v) { momentum_ = v; return *this; }
  BatchNormOptions& affine(bool on) { affine_ = on; return *this; }
  int64_t num_features;
  float eps_ = 1e-5f, momentum_ = 0.1f;
  bool affine_ = true;
};

class BatchNorm : public Module {
 public:
  BatchNorm(const BatchNormOptions& options, int dims);
  Tensor forward(const Tensor& x) override;
  // relu(forward(x)) in one pass over the data (Sequential uses it for BatchNorm, ReLU).
  Tensor forward_relu(const Tensor& x);
  std::string type_name() const override { return dims_ == 1 ? "BatchNorm1d" : "BatchNorm2d"; }
  std::string extra_repr() const override;
  // Training normalises with statistics summed by `reducer` over the processes that share
  // the batch (SyncBatchNorm); null, the default, is this process's batch alone.
  void set_stats_reducer(std::shared_ptr<BatchStatsReducer> reducer) { reducer_ = std::move(reducer); }
  bool synchronised() const { return reducer_ != nullptr; }

  const BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  Tensor run(const Tensor& x, bool relu);
  int dims_;
  std::shared_ptr<BatchStatsReducer> reducer_;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options) : BatchNorm(options, 1) {}
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options) : BatchNorm(options, 2) {}
};

}  // namespace nnlab::nn
