#include "nnlab/ops/pool.h"

#include <fmt/format.h>

#include "backend/cpu/max_pool.h"
#include "backend/cpu/onednn_pool.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/ops/elementwise.h"
#include "tensor/layout.h"

namespace nnlab {

using autograd::Node;

namespace {

class Pool2dBackward : public Node {
 public:
  Pool2dBackward(cpu::PoolGeometry g, Tensor workspace) : g_(g), workspace_(std::move(workspace)) {}
  std::string name() const override { return g_.max ? "MaxPool2dBackward" : "AvgPool2dBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    if (g_.max && !workspace_.defined())
      throw Error("backward through a max_pool2d whose saved indices were freed by an earlier backward(); "
                  "pass retain_graph=true to the first backward()");
    Tensor gc = g_.channels_last ? to_channels_last(grad) : grad.contiguous();
    Tensor gx = g_.channels_last ? empty_channels_last({g_.n, g_.c, g_.h, g_.w}) : Tensor::empty({g_.n, g_.c, g_.h, g_.w});
    if (g_.max)
      cpu::max_pool2d_backward(g_, dense_data(gc), reinterpret_cast<const int32_t*>(workspace_.data()),
                               dense_data(gx));
    else
      cpu::pool2d_backward(g_, dense_data(gc), workspace_, dense_data(gx));
    return {gx};
  }
  void release() override { workspace_ = Tensor(); }

 private:
  cpu::PoolGeometry g_;
  Tensor workspace_;
};

Tensor pool2d(const Tensor& x, Pool2dParams p, bool max) {
  const char* op = max ? "max_pool2d" : "avg_pool2d";
  if (x.dim() != 4) throw ShapeError(fmt::format("{}: input must be [N, C, H, W], got {}", op, shape_str(x.shape())));
  const int64_t stride = p.stride == 0 ? p.kernel : p.stride;
  if (p.kernel < 1 || stride < 1 || p.padding < 0 || 2 * p.padding > p.kernel)
    throw ShapeError(fmt::format("{}: kernel {} and stride {} must be >= 1 and padding {} at most half the kernel",
                                 op, p.kernel, stride, p.padding));
  cpu::PoolGeometry g{};
  g.n = x.size(0);
  g.c = x.size(1);
  g.h = x.size(2);
  g.w = x.size(3);
  g.kernel = p.kernel;
  g.stride = stride;
  g.padding = p.padding;
  g.max = max;
  if (g.h + 2 * p.padding < p.kernel || g.w + 2 * p.padding < p.kernel)
    throw ShapeError(fmt::format("{}: input {} is smaller than the kernel {}", op, shape_str(x.shape()), p.kernel));
  g.oh = (g.h + 2 * p.padding - p.kernel) / stride + 1;
  g.ow = (g.w + 2 * p.padding - p.kernel) / stride + 1;
  // Channels-last input stays channels-last (tensor/layout.h); anything else is NCHW.
  g.channels_last = is_channels_last(x) && !x.is_contiguous();
  Tensor out = g.channels_last ? empty_channels_last({g.n, g.c, g.oh, g.ow}) : Tensor::empty({g.n, g.c, g.oh, g.ow});
  if (x.numel() == 0) return out;
  Tensor xc = g.channels_last ? x : x.contiguous();
  const bool record = autograd::any_requires_grad({&x});
  Tensor workspace;
  if (max) {
    // The argmax indices are int32, kept in a float tensor of the same element size.
    if (record) workspace = Tensor::empty({out.numel()});
    cpu::max_pool2d_forward(g, dense_data(xc), dense_data(out),
                            record ? reinterpret_cast<int32_t*>(workspace.data()) : nullptr);
  } else {
    workspace = cpu::pool2d_forward(g, dense_data(xc), dense_data(out), record);
  }
  if (record) autograd::record(out, std::make_shared<Pool2dBackward>(g, workspace), {&x});
  return out;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, Pool2dParams params) { return pool2d(x, params, true); }

Tensor avg_pool2d(const Tensor& x, Pool2dParams params) { return pool2d(x, params, false); }

Tensor global_avg_pool2d(const Tensor& x) {
  if (x.dim() != 4)
    throw ShapeError("global_avg_pool2d: input must be [N, C, H, W], got " + shape_str(x.shape()));
  if (x.size(2) != x.size(3)) {
    // Non-square maps: the mean over H and W as two reductions.
    return mean(mean(x, 3, true), 2, true);
  }
  return avg_pool2d(x, {x.size(2), x.size(2), 0});
}

}  // namespace nnlab
