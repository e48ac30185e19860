// nn::Conv2d: 2-D convolution with square kernels, stride, padding and dilation.
#pragma once

#include <array>

#include "nnlab/nn/module.h"

namespace nnlab::nn {

struct Conv2dOptions {
  Conv2dOptions(int64_t in, int64_t out, int64_t kernel) : in_channels(in), out_channels(out), kernel_size(kernel) {}
  Conv2dOptions& stride(int64_t v) { stride_ = v; return *this; }
  Conv2dOptions& padding(int64_t v) { padding_ = v; return *this; }
  Conv2dOptions& dilation(int64_t v) { dilation_ = v; return *this; }
  Conv2dOptions& bias(bool on) { bias_ = on; return *this; }
  int64_t in_channels, out_channels, kernel_size;
  int64_t stride_ = 1, padding_ = 0, dilation_ = 1;
  bool bias_ = true;
};

class BatchNorm;

class Conv2d : public Module {
 public:
  Conv2d(const Conv2dOptions& options, Generator& gen);
  Tensor forward(const Tensor& x) override;
  // Whether forward_inference may stand in for this layer on x: eval mode, not hooked, and
  // nothing that autograd would record; and whether it may also absorb `bn` (the same, for the
  // batch norm's own state).
  bool inference_fusable(const Tensor& x) const;
  static bool inference_foldable(const BatchNorm& bn);
  // Inference: this convolution, then `bn` on its running statistics if given, then the
  // `residual` added if given, then ReLU if `relu`, then a max pool of kernel = stride =
  // `max_pool` if not 0, as one convolution: the batch norm folded into the weights and bias
  // (in double; kept until any of the tensors involved changes), the sum, the ReLU and the
  // pool applied by the kernel where it can (ops/conv.h: `residual_in_place`, `max_pool`).
  // Sequential uses it for Conv2d [BatchNorm2d] [ReLU] [MaxPool2d], the zoo's ResNet block
  // for its last convolution.
  Tensor forward_inference(const Tensor& x, const BatchNorm* bn, bool relu, const Tensor& residual = {},
                           bool residual_in_place = false, int64_t max_pool = 0);
  std::string type_name() const override { return "Conv2d"; }
  std::string extra_repr() const override;
  // Multiply-adds × 2 per image for an input of this height and width (the zoo's FLOP count).
  int64_t flops(int64_t h, int64_t w) const;

  const Conv2dOptions options;
  Tensor weight, bias;

 private:
  // What the folded copy was made from: each tensor's data and version.
  using FoldKey = std::array<std::pair<const float*, uint64_t>, 6>;
  void fold(const BatchNorm& bn);
  FoldKey folded_from_{};
  Tensor folded_weight_, folded_bias_;
};

}  // namespace nnlab::nn
