#include "nnlab/nn/batchnorm.h"

#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/ops/norm.h"

namespace nnlab::nn {

BatchNorm::BatchNorm(const BatchNormOptions& o, int dims) : options(o), dims_(dims) {
  if (o.affine_) {
    weight = register_parameter("weight", Tensor::ones({o.num_features}));
    bias = register_parameter("bias", Tensor::zeros({o.num_features}));
  }
  running_mean = register_buffer("running_mean", Tensor::zeros({o.num_features}));
  running_var = register_buffer("running_var", Tensor::ones({o.num_features}));
  num_batches_tracked = register_buffer("num_batches_tracked", Tensor::scalar(0.0f), true);
}

Tensor BatchNorm::forward(const Tensor& x) { return run(x, false); }

Tensor BatchNorm::forward_relu(const Tensor& x) { return run(x, true); }

Tensor BatchNorm::run(const Tensor& x, bool relu) {
  const int64_t want = dims_ == 1 ? 2 : 4;
  if (x.dim() != want)
    throw ShapeError(fmt::format("{} expects a {}-D input [N, {}{}], got {}", type_name(), want, options.num_features,
                                 dims_ == 1 ? "" : ", H, W", shape_str(x.shape())));
  if (is_training()) {
    num_batches_tracked.data()[0] += 1.0f;
    num_batches_tracked.bump_version();
  }
  return batch_norm(x, weight, bias, running_mean, running_var,
                    {is_training(), options.momentum_, options.eps_, relu, reducer_});
}

std::string BatchNorm::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats=True", options.num_features,
                     options.eps_, options.momentum_, options.affine_ ? "True" : "False");
}

}  // namespace nnlab::nn
