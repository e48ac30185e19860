#include "nnlab/nn/conv2d.h"

#include <fmt/format.h>

#include <cmath>

#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/nn/batchnorm.h"
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
  return conv2d(x, weight, bias,
                {.stride = options.stride_, .padding = options.padding_, .dilation = options.dilation_});
}

bool Conv2d::inference_fusable(const Tensor& x) const {
  return !is_training() && !has_forward_hooks() && !autograd::any_requires_grad({&x, &weight, &bias});
}

bool Conv2d::inference_foldable(const BatchNorm& bn) {
  return !bn.is_training() && !bn.has_forward_hooks() && !autograd::any_requires_grad({&bn.weight, &bn.bias});
}

Tensor Conv2d::forward_inference(const Tensor& x, const BatchNorm* bn, bool relu, const Tensor& residual,
                                 bool residual_in_place, int64_t max_pool) {
  if (bn && (bn->is_training() || autograd::any_requires_grad({&x, &weight, &bias, &bn->weight, &bn->bias})))
    throw Error("Conv2d::forward_inference: the batch norm is in training mode or autograd would record; call "
                "forward() and the batch norm's instead");
  Conv2dParams p{.stride = options.stride_, .padding = options.padding_, .dilation = options.dilation_};
  p.relu = relu;
  p.residual = residual;
  p.residual_in_place = residual_in_place;
  p.max_pool = max_pool;
  if (!bn) return conv2d(x, weight, bias, p);
  fold(*bn);
  p.cache_weights = true;  // folded_weight_ is written once, in fold(), before any use
  return conv2d(x, folded_weight_, folded_bias_, p);
}

namespace {

std::pair<const float*, uint64_t> identity(const Tensor& t) {
  return t.defined() ? std::pair{t.data(), t.version()} : std::pair<const float*, uint64_t>{nullptr, 0};
}

}  // namespace

// w' = w * gamma / sqrt(var + eps) per output channel, b' = beta + (b - mean) * gamma / sqrt(var + eps):
// the batch norm of eval mode, which is that affine map, moved in front of the output.
void Conv2d::fold(const BatchNorm& bn) {
  const FoldKey key{identity(weight),     identity(bias),           identity(bn.weight),
                    identity(bn.bias),    identity(bn.running_mean), identity(bn.running_var)};
  if (folded_weight_.defined() && key == folded_from_) return;
  const int64_t o = options.out_channels;
  if (bn.options.num_features != o)
    throw ShapeError(fmt::format("{} with {} features after a Conv2d with {} output channels", bn.type_name(),
                                 bn.options.num_features, o));
  const Tensor w = weight.contiguous();
  const int64_t per = w.numel() / o;
  Tensor fw = Tensor::empty(w.shape()), fb = Tensor::empty({o});
  auto dense = [](const Tensor& t) { return t.defined() ? t.contiguous() : Tensor(); };
  const Tensor rm = dense(bn.running_mean), rv = dense(bn.running_var), g = dense(bn.weight), be = dense(bn.bias),
               bi = dense(bias);
  const float *src = w.data(), *mean = rm.data(), *var = rv.data();
  const float* gamma = g.defined() ? g.data() : nullptr;
  const float* beta = be.defined() ? be.data() : nullptr;
  const float* b = bi.defined() ? bi.data() : nullptr;
  for (int64_t c = 0; c < o; ++c) {
    const double scale = (gamma ? gamma[c] : 1.0) / std::sqrt(static_cast<double>(var[c]) + bn.options.eps_);
    for (int64_t k = 0; k < per; ++k) fw.data()[c * per + k] = static_cast<float>(src[c * per + k] * scale);
    fb.data()[c] = static_cast<float>((beta ? beta[c] : 0.0) + ((b ? b[c] : 0.0) - mean[c]) * scale);
  }
  folded_weight_ = fw;  // new storage: the convolution's cached reorder is of the old one
  folded_bias_ = fb;
  folded_from_ = key;
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
