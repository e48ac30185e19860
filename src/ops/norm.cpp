#include "nnlab/ops/norm.h"

#include <fmt/format.h>

#include <cmath>

#include "backend/cpu/onednn_bnorm.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "tensor/layout.h"

namespace nnlab {

using autograd::Node;
using autograd::SavedTensor;

namespace {

cpu::BnGeometry geometry(const Tensor& x, float eps, bool affine) {
  cpu::BnGeometry g{};
  g.n = x.size(0);
  g.c = x.size(1);
  g.h = x.dim() == 4 ? x.size(2) : 1;
  g.w = x.dim() == 4 ? x.size(3) : 1;
  g.eps = eps;
  g.affine = affine;
  g.channels_last = x.dim() == 4 && is_channels_last(x) && !x.is_contiguous();
  return g;
}

class BatchNormBackward : public Node {
 public:
  BatchNormBackward(cpu::BnGeometry g, const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor mean,
                    Tensor var)
      : g_(g), x_(x), weight_(weight), bias_(bias), mean_(std::move(mean)), var_(std::move(var)) {}
  std::string name() const override { return "BatchNormBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor x = x_.get();
    Tensor gc = to_layout_of(grad, x);
    Tensor gx = empty_like_layout(x);
    Tensor gw, gb;
    if (g_.affine) {
      gw = Tensor::empty({g_.c});
      gb = Tensor::empty({g_.c});
    }
    cpu::bnorm_backward(g_, dense_data(x), dense_data(gc), g_.affine ? weight_.get().data() : nullptr,
                        g_.affine ? bias_.get().data() : nullptr, mean_.data(),
                        var_.data(), dense_data(gx), g_.affine ? gw.data() : nullptr, g_.affine ? gb.data() : nullptr);
    return {gx, gw, gb};
  }
  void release() override {
    x_.release();
    weight_.release();
    bias_.release();
  }

 private:
  cpu::BnGeometry g_;
  SavedTensor x_, weight_, bias_;
  Tensor mean_, var_;
};

// Eval mode is an affine map per channel: y = x·a + b with a = γ/√(σ²+ε), b = β − μ·a.
class BatchNormEvalBackward : public Node {
 public:
  BatchNormEvalBackward(cpu::BnGeometry g, const Tensor& x, Tensor a) : g_(g), x_(x), a_(std::move(a)) {}
  std::string name() const override { return "BatchNormEvalBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor gc = grad.contiguous();
    Tensor x = x_.get().contiguous();
    const int64_t hw = g_.h * g_.w;
    const float *pg = gc.data(), *px = x.data(), *a = a_.data();
    Tensor gx = Tensor::empty(x.shape());
    Tensor gw = Tensor::zeros({g_.c}), gb = Tensor::zeros({g_.c});
    float* ox = gx.data();
    for (int64_t n = 0; n < g_.n; ++n)
      for (int64_t c = 0; c < g_.c; ++c) {
        const int64_t base = (n * g_.c + c) * hw;
        for (int64_t i = 0; i < hw; ++i) ox[base + i] = pg[base + i] * a[c];
      }
    if (g_.affine && (needs_grad(1) || needs_grad(2))) {
      // dγ = Σ g·(x−μ)/√(σ²+ε) = Σ g·x̂ ; dβ = Σ g. x̂ is recovered from the saved stats.
      const float *mu = mean_.data(), *inv = inv_std_.data();
      for (int64_t n = 0; n < g_.n; ++n)
        for (int64_t c = 0; c < g_.c; ++c) {
          const int64_t base = (n * g_.c + c) * hw;
          double sw = 0, sb = 0;
          for (int64_t i = 0; i < hw; ++i) {
            sw += pg[base + i] * (px[base + i] - mu[c]) * inv[c];
            sb += pg[base + i];
          }
          gw.data()[c] += static_cast<float>(sw);
          gb.data()[c] += static_cast<float>(sb);
        }
    }
    return {gx, g_.affine ? gw : Tensor(), g_.affine ? gb : Tensor()};
  }
  void release() override { x_.release(); }

  Tensor mean_, inv_std_;

 private:
  cpu::BnGeometry g_;
  SavedTensor x_;
  Tensor a_;
};

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, BatchNormParams p) {
  if (x.dim() != 2 && x.dim() != 4)
    throw ShapeError("batch_norm: input must be [N, C] or [N, C, H, W], got " + shape_str(x.shape()));
  const int64_t c = x.size(1);
  const Shape vec{c};
  if (weight.defined() != bias.defined())
    throw ShapeError("batch_norm: weight and bias must be given together (affine) or both omitted");
  for (const Tensor* t : {&weight, &bias, &running_mean, &running_var})
    if (t->defined() && t->shape() != vec)
      throw ShapeError(fmt::format("batch_norm: parameter of shape {} for an input with {} channels {}",
                                   shape_str(t->shape()), c, shape_str(x.shape())));
  const bool affine = weight.defined();
  Tensor xc = x.dim() == 4 && is_channels_last(x) ? x : x.contiguous();
  cpu::BnGeometry g = geometry(xc, p.eps, affine);
  const int64_t count = g.n * g.h * g.w;
  if (p.training && count <= 1)
    throw ShapeError(fmt::format("batch_norm: training needs more than one value per channel, got input {}",
                                 shape_str(x.shape())));
  Tensor wc = affine ? weight.contiguous() : Tensor(), bc = affine ? bias.contiguous() : Tensor();
  Tensor out = empty_like_layout(xc);
  const bool record = autograd::any_requires_grad({&x, &weight, &bias});
  if (p.training) {
    Tensor mean = Tensor::empty(vec), var = Tensor::empty(vec);
    cpu::bnorm_forward_training(g, dense_data(xc), affine ? wc.data() : nullptr, affine ? bc.data() : nullptr,
                                dense_data(out),
                                mean.data(), var.data());
    if (running_mean.defined() && running_var.defined()) {
      // PyTorch keeps the unbiased variance in the running estimate.
      const float m = p.momentum, unbias = static_cast<float>(count) / static_cast<float>(count - 1);
      float *rm = running_mean.data(), *rv = running_var.data();
      for (int64_t i = 0; i < c; ++i) {
        rm[i] = (1 - m) * rm[i] + m * mean.data()[i];
        rv[i] = (1 - m) * rv[i] + m * var.data()[i] * unbias;
      }
      running_mean.bump_version();
      running_var.bump_version();
    }
    if (record) autograd::record(out, std::make_shared<BatchNormBackward>(g, xc, wc, bc, mean, var), {&x, &weight, &bias});
    return out;
  }
  if (!running_mean.defined() || !running_var.defined())
    throw ShapeError("batch_norm: eval mode needs the running mean and variance");
  Tensor rm = running_mean.contiguous().clone(), rv = running_var.contiguous().clone();
  cpu::bnorm_forward_inference(g, dense_data(xc), affine ? wc.data() : nullptr, affine ? bc.data() : nullptr,
                               rm.data(), rv.data(), dense_data(out));
  if (record) {
    Tensor a = Tensor::empty(vec), inv = Tensor::empty(vec);
    for (int64_t i = 0; i < c; ++i) {
      inv.data()[i] = 1.0f / std::sqrt(rv.data()[i] + p.eps);
      a.data()[i] = (affine ? wc.data()[i] : 1.0f) * inv.data()[i];
    }
    auto node = std::make_shared<BatchNormEvalBackward>(g, xc, a);
    node->mean_ = rm;
    node->inv_std_ = inv;
    autograd::record(out, node, {&x, &weight, &bias});
  }
  return out;
}

}  // namespace nnlab
