#include "nnlab/nn/conv2d.h"

#include <fmt/format.h>

#include "nnlab/nn/init.h"
#include "nnlab/ops/conv.h"

namespace nnlab::nn {

Conv2d::Conv2d(const Conv2dOptions& o, Generator& gen) : options(o) {
  const int64_t fan_in = o.in_channels * o.kernel_size * o.kernel_size;
  weight = register_parameter("weight", Tensor::empty({o.out_channels, o.in_channels, o.kernel_size, o.kernel_size}));
  init::kaiming_uniform_default(weight, fan_in, gen);
  if (o.bias_) {
    bias = register_parameter("bias", Tensor::empty({o.out_channels}));
    init::bias_uniform(bias, fan_in, gen);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight, bias, {options.stride_, options.padding_, options.dilation_});
}

int64_t Conv2d::flops(int64_t h, int64_t w) const {
  const Conv2dOptions& o = options;
  const int64_t oh = conv_output_size(h, o.kernel_size, o.stride_, o.padding_, o.dilation_);
  const int64_t ow = conv_output_size(w, o.kernel_size, o.stride_, o.padding_, o.dilation_);
  return 2 * o.out_channels * oh * ow * o.in_channels * o.kernel_size * o.kernel_size;
}

std::string Conv2d::extra_repr() const {
  const Conv2dOptions& o = options;
  std::string s = fmt::format("{}, {}, kernel_size=({}, {}), stride=({}, {})", o.in_channels, o.out_channels,
                              o.kernel_size, o.kernel_size, o.stride_, o.stride_);
  if (o.padding_) s += fmt::format(", padding=({}, {})", o.padding_, o.padding_);
  if (o.dilation_ != 1) s += fmt::format(", dilation=({}, {})", o.dilation_, o.dilation_);
  if (!o.bias_) s += ", bias=False";
  return s;
}

}  // namespace nnlab::nn
