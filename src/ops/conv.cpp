#include "nnlab/ops/conv.h"

#include <fmt/format.h>

#include "backend/cpu/conv_batch_split.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/onednn_conv.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/ops/pool.h"
#include "nnlab/precision.h"
#include "tensor/layout.h"
#include "tensor/tensor_impl.h"

namespace nnlab {

using autograd::Node;
using autograd::SavedTensor;

int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation) {
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t out = (in + 2 * padding - span) / stride + 1;
  if (in + 2 * padding < span || out <= 0)
    throw ShapeError(fmt::format("input size {} (padding {}) is smaller than the kernel span {} (kernel {}, dilation {})",
                                 in, padding, span, kernel, dilation));
  return out;
}

namespace {

// The weights' reordered copy is reused until their version moves. Parameters (tensors that
// require grad) change only through the optimizer, copy_, fill_ or init, which all bump it;
// a plain tensor used as weights may be written through data() without a bump (finite
// differences do that), so its copy is made afresh each call. Caching in eval mode took
// alexnet's per-forward weight reorders (13.6% of its step; DNNL_VERBOSE) out of inference.
cpu::WeightRef weight_ref(const Tensor& w, bool cache) {
  return {w.data(), cache ? w.impl()->storage->id : 0, w.version()};
}

// A dense float32 tensor rounded to bfloat16, in a float tensor of half the length.
Tensor bf16_copy(const Tensor& t) {
  Tensor out = Tensor::empty({(t.numel() + 1) / 2});
  cpu::to_bf16(dense_data(t), out.data(), t.numel());
  return out;
}

class Conv2dBackward : public Node {
 public:
  Conv2dBackward(cpu::ConvGeometry g, const Tensor& x, const Tensor& w) : g_(g), x_(x), w_(w) {}
  std::string name() const override { return "Conv2dBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor gc = to_channels_last(grad);
    Tensor gb16 = g_.bf16 && needs_grad(0) ? bf16_copy(gc) : Tensor();
    Tensor gx, gw, gb;
    if (needs_grad(0)) {
      gx = empty_channels_last({g_.n, g_.c, g_.h, g_.w});
      cpu::split_conv2d_backward_data(g_, g_.bf16 ? gb16.data() : dense_data(gc), weight_ref(w_.get(), true),
                                      dense_data(gx));
    }
    if (needs_grad(1) || (g_.bias && needs_grad(2))) {
      gw = Tensor::empty({g_.o, g_.c, g_.kh, g_.kw});
      if (g_.bias) gb = Tensor::empty({g_.o});
      // The weight gradient is float32 in every mode: oneDNN 2.6's bf16 backward-weights
      // kernel took 860 ms per call for resnet18's 512-channel 4x4 layers (DNNL_VERBOSE).
      cpu::ConvGeometry g32 = g_;
      g32.bf16 = false;
      cpu::split_conv2d_backward_weights(g32, dense_data(to_channels_last(x_.get())), dense_data(gc), gw.data(),
                                         g_.bias ? gb.data() : nullptr);
    }
    return {gx, needs_grad(1) ? gw : Tensor(), gb};
  }
  void release() override {
    x_.release();
    w_.release();
  }

 private:
  cpu::ConvGeometry g_;
  SavedTensor x_, w_;
};

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dParams p) {
  if (weight.dim() != 4)
    throw ShapeError("conv2d: weight must be [out_channels, in_channels, kh, kw], got " + shape_str(weight.shape()));
  if (x.dim() != 4 || x.size(1) != weight.size(1))
    throw ShapeError(fmt::format("conv2d: input of shape {} does not fit weight {} (expects [N, {}, H, W])",
                                 shape_str(x.shape()), shape_str(weight.shape()), weight.size(1)));
  if (bias.defined() && bias.shape() != Shape{weight.size(0)})
    throw ShapeError(fmt::format("conv2d: bias of shape {} for {} output channels", shape_str(bias.shape()),
                                 weight.size(0)));
  if (p.stride < 1 || p.dilation < 1 || p.padding < 0)
    throw ShapeError(fmt::format("conv2d: stride {} and dilation {} must be >= 1, padding {} >= 0", p.stride,
                                 p.dilation, p.padding));
  cpu::ConvGeometry g{};
  g.n = x.size(0);
  g.c = x.size(1);
  g.h = x.size(2);
  g.w = x.size(3);
  g.o = weight.size(0);
  g.kh = weight.size(2);
  g.kw = weight.size(3);
  g.stride = p.stride;
  g.padding = p.padding;
  g.dilation = p.dilation;
  g.bias = bias.defined();
  g.relu = p.relu;
  g.oh = conv_output_size(g.h, g.kh, p.stride, p.padding, p.dilation);
  g.ow = conv_output_size(g.w, g.kw, p.stride, p.padding, p.dilation);
  // Activations are channels-last (tensor/layout.h): the output is, and an NCHW input
  // (the network's first layer) is transposed once here, except for the few-channel kernel,
  // which reads NCHW (conv_batch_split.h).
  const bool record = autograd::any_requires_grad({&x, &weight, &bias});
  if (record && (p.relu || p.residual.defined() || p.max_pool))
    throw Error("conv2d: the fused ReLU, residual and max pool are for inference; under autograd apply add(), relu() "
                "and max_pool2d() to the output instead");
  if (p.max_pool < 0) throw ShapeError(fmt::format("conv2d: max_pool {} must be >= 0", p.max_pool));
  // Strided layers and those with few input channels stay float32: their bf16 kernels on
  // NHWC were the slow ones (resnet20's stride-2 backward-weights 50-60 ms per call, 20x
  // float32; DNNL_VERBOSE).
  g.bf16 = precision() == Precision::BF16 && g.stride == 1 && g.c > 8;
  const bool few_channels = !p.residual.defined() && cpu::split_conv2d_is_few_channel(g);
  const bool fused_pool = p.max_pool == 2 && few_channels && g.oh >= 2 && g.ow >= 2;
  if (p.max_pool && !fused_pool) {
    Conv2dParams unpooled = p;
    unpooled.max_pool = 0;
    return max_pool2d(conv2d(x, weight, bias, unpooled), {.kernel = p.max_pool, .stride = p.max_pool});
  }
  const Shape out_shape = fused_pool ? Shape{g.n, g.o, g.oh / 2, g.ow / 2} : Shape{g.n, g.o, g.oh, g.ow};
  Tensor out;
  if (p.residual.defined()) {
    if (p.residual.shape() != out_shape)
      throw ShapeError(fmt::format("conv2d: residual of shape {} for an output of shape {}",
                                   shape_str(p.residual.shape()), shape_str(out_shape)));
    g.sum = true;
    // The kernel adds into its output: the residual's own storage where the caller gave it
    // up, a channels-last copy otherwise (to_channels_last of an NCHW tensor is one already).
    const bool own = (p.residual_in_place && is_dense(p.residual)) || !is_channels_last(p.residual);
    out = to_channels_last(p.residual);
    if (!own) {
      Tensor copy = empty_channels_last(out_shape);
      cpu::copy(dense_data(copy), dense_data(out), out.numel());
      out = copy;
    }
  } else {
    out = empty_channels_last(out_shape);
  }
  if (g.n == 0) return out;
  Tensor xc = few_channels ? x.contiguous() : to_channels_last(x), wc = weight.contiguous();
  Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  Tensor xb = g.bf16 ? bf16_copy(xc) : Tensor();
  cpu::split_conv2d_forward(g, g.bf16 ? xb.data() : dense_data(xc), weight_ref(wc, weight.requires_grad() || p.cache_weights),
                            bc.defined() ? bc.data() : nullptr, dense_data(out), record, fused_pool);
  if (record) autograd::record(out, std::make_shared<Conv2dBackward>(g, xc, wc), {&x, &weight, &bias});
  return out;
}

}  // namespace nnlab
