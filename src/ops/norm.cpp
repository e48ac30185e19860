#include "nnlab/ops/norm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/batch_norm_nhwc.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "tensor/layout.h"

namespace nnlab {

using autograd::Node;
using autograd::SavedTensor;

namespace {

// [N, C] and channels-last [N, C, H, W] data are both rows of C channels.
cpu::BnRows rows_of(const Tensor& x, float eps) {
  const int64_t c = x.size(1);
  return {c == 0 ? 0 : x.numel() / c, c, eps};
}

const float* ptr(const Tensor& t) { return t.defined() ? t.data() : nullptr; }
float* ptr_mut(const Tensor& t) { return t.defined() ? t.data() : nullptr; }

class BatchNormBackward : public Node {
 public:
  BatchNormBackward(cpu::BnRows g, const Tensor& x, const Tensor& weight, Tensor mean, Tensor var, const Tensor& y,
                    bool relu, std::shared_ptr<BatchStatsReducer> reducer, double count)
      : g_(g), x_(x), weight_(weight), y_(relu ? y : Tensor()), mean_(std::move(mean)), var_(std::move(var)),
        relu_(relu), reducer_(std::move(reducer)), count_(count) {}
  std::string name() const override { return relu_ ? "BatchNormReluBackward" : "BatchNormBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor x = x_.get();
    Tensor gc = to_layout_of(grad, x);
    Tensor y = relu_ ? y_.get() : Tensor();
    Tensor gx = empty_like_layout(x);
    const bool affine = weight_.defined();
    Tensor gw = affine ? Tensor::empty({g_.c}) : Tensor(), gb = affine ? Tensor::empty({g_.c}) : Tensor();
    const float *px = dense_data(x), *pg = dense_data(gc), *py = relu_ ? dense_data(y) : nullptr;
    const float* pw = affine ? weight_.get().data() : nullptr;
    if (!reducer_) {
      cpu::bn_rows_backward(g_, px, pg, py, pw, mean_.data(), var_.data(), dense_data(gx), ptr_mut(gw), ptr_mut(gb),
                            relu_);
      return {needs_grad(0) ? gx : Tensor(), gw, gb};
    }
    // Synchronised: γ and β get this process's share (the gradient average adds the shares
    // up); dx needs the sums over every process's rows. Every process runs the same graph,
    // so all of them skip the exchange alike when no input gradient is wanted.
    std::vector<double> sums(static_cast<size_t>(2 * g_.c));
    cpu::bn_rows_backward_sums(g_, px, pg, py, mean_.data(), sums.data(), relu_);
    cpu::bn_param_grads(g_, var_.data(), sums.data(), ptr_mut(gw), ptr_mut(gb));
    if (!needs_grad(0)) return {Tensor(), gw, gb};
    reducer_->sum(sums);
    cpu::bn_rows_backward_data(g_, px, pg, py, pw, mean_.data(), var_.data(), sums.data(), count_, dense_data(gx),
                               relu_);
    return {gx, gw, gb};
  }
  void release() override {
    x_.release();
    weight_.release();
    y_.release();
  }

 private:
  cpu::BnRows g_;
  SavedTensor x_, weight_, y_;
  Tensor mean_, var_;
  bool relu_;
  std::shared_ptr<BatchStatsReducer> reducer_;  // null: this process's batch alone
  double count_;                                // the rows the statistics are over
};

// Mean and biased variance over every process's rows, from one exchange of the per-channel
// [Σx, Σx², rows] in double; returns the rows. Each process's Σx² is rebuilt from its
// centred two-pass sum, Σx² = Σ(x−s)² + 2sΣx − n·s² with s its own mean, so the float
// accumulation never sees the large uncentred squares; what cancels in Σx²/N − μ² then
// cancels in double.
double global_statistics(const cpu::BnRows& g, const float* x, BatchStatsReducer& reducer, float* mean, float* var) {
  const int64_t C = g.c;
  std::vector<double> buf(static_cast<size_t>(2 * C + 1), 0.0), centred(static_cast<size_t>(C), 0.0);
  std::vector<float> shift(static_cast<size_t>(C), 0.0f);
  const double n = static_cast<double>(g.rows);
  if (g.rows > 0) {
    cpu::bn_rows_moments(g, x, buf.data(), centred.data(), shift.data());
    for (int64_t c = 0; c < C; ++c) buf[C + c] = centred[c] + shift[c] * (2 * buf[c] - n * shift[c]);
  }
  buf[2 * C] = n;
  reducer.sum(buf);
  const double total = buf[2 * C];
  for (int64_t c = 0; c < C; ++c) {
    const double m = buf[c] / total;
    mean[c] = static_cast<float>(m);
    var[c] = static_cast<float>(std::max(buf[C + c] / total - m * m, 0.0));
  }
  return total;
}

// Eval mode is an affine map per channel: y = x·a + b with a = γ/√(σ²+ε), b = β − μ·a.
class BatchNormEvalBackward : public Node {
 public:
  BatchNormEvalBackward(cpu::BnRows g, const Tensor& x, const Tensor& y, Tensor mean, Tensor inv_std, Tensor a,
                        bool relu)
      : g_(g), x_(x), y_(relu ? y : Tensor()), mean_(std::move(mean)), inv_std_(std::move(inv_std)),
        a_(std::move(a)), relu_(relu) {}
  std::string name() const override { return "BatchNormEvalBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor x = x_.get();
    Tensor gc = to_layout_of(grad, x);
    Tensor y = relu_ ? y_.get() : Tensor();
    const int64_t C = g_.c;
    const float *pg = dense_data(gc), *px = dense_data(x), *py = relu_ ? dense_data(y) : nullptr;
    const float *a = a_.data(), *mu = mean_.data(), *inv = inv_std_.data();
    Tensor gx = empty_like_layout(x);
    float* ox = dense_data(gx);
    std::vector<double> sw(C, 0.0), sb(C, 0.0);
    // dγ = Σ g·(x−μ)/√(σ²+ε) = Σ g·x̂ ; dβ = Σ g. x̂ is recovered from the saved stats.
    for (int64_t r = 0; r < g_.rows; ++r)
      for (int64_t c = 0; c < C; ++c) {
        const int64_t i = r * C + c;
        const float d = relu_ && !(py[i] > 0.0f) ? 0.0f : pg[i];
        ox[i] = d * a[c];
        sw[c] += d * (px[i] - mu[c]) * inv[c];
        sb[c] += d;
      }
    Tensor gw = Tensor::empty({C}), gb = Tensor::empty({C});
    for (int64_t c = 0; c < C; ++c) {
      gw.data()[c] = static_cast<float>(sw[c]);
      gb.data()[c] = static_cast<float>(sb[c]);
    }
    return {gx, affine_ ? gw : Tensor(), affine_ ? gb : Tensor()};
  }
  void release() override {
    x_.release();
    y_.release();
  }

  bool affine_ = false;

 private:
  cpu::BnRows g_;
  SavedTensor x_, y_;
  Tensor mean_, inv_std_, a_;
  bool relu_;
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
  // Images are normalised channels-last (tensor/layout.h), [N, C] as it is: both are rows of C.
  Tensor xc = x.dim() == 4 ? to_channels_last(x) : x.contiguous();
  cpu::BnRows g = rows_of(xc, p.eps);
  if (p.training && !p.reducer && g.rows <= 1)
    throw ShapeError(fmt::format("batch_norm: training needs more than one value per channel, got input {}",
                                 shape_str(x.shape())));
  Tensor wc = affine ? weight.contiguous() : Tensor(), bc = affine ? bias.contiguous() : Tensor();
  Tensor out = empty_like_layout(xc);
  const bool record = autograd::any_requires_grad({&x, &weight, &bias});
  if (p.training) {
    Tensor mean = Tensor::empty(vec), var = Tensor::empty(vec);
    double count = static_cast<double>(g.rows);
    if (p.reducer) {
      count = global_statistics(g, dense_data(xc), *p.reducer, mean.data(), var.data());
      if (count <= 1)  // every process sees the same count, so all of them throw
        throw ShapeError(fmt::format("batch_norm: training needs more than one value per channel over all "
                                     "processes, got {} (input {} here)",
                                     count, shape_str(x.shape())));
      cpu::bn_rows_forward_inference(g, dense_data(xc), ptr(wc), ptr(bc), mean.data(), var.data(), dense_data(out),
                                     p.relu);
    } else {
      cpu::bn_rows_forward_training(g, dense_data(xc), ptr(wc), ptr(bc), dense_data(out), mean.data(), var.data(),
                                    p.relu);
    }
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
    if (record)
      autograd::record(out,
                       std::make_shared<BatchNormBackward>(g, xc, wc, mean, var, out, p.relu, p.reducer, count),
                       {&x, &weight, &bias});
    return out;
  }
  if (!running_mean.defined() || !running_var.defined())
    throw ShapeError("batch_norm: eval mode needs the running mean and variance");
  Tensor rm = running_mean.contiguous().clone(), rv = running_var.contiguous().clone();
  cpu::bn_rows_forward_inference(g, dense_data(xc), ptr(wc), ptr(bc), rm.data(), rv.data(), dense_data(out), p.relu);
  if (record) {
    Tensor a = Tensor::empty(vec), inv = Tensor::empty(vec);
    for (int64_t i = 0; i < c; ++i) {
      inv.data()[i] = 1.0f / std::sqrt(rv.data()[i] + p.eps);
      a.data()[i] = (affine ? wc.data()[i] : 1.0f) * inv.data()[i];
    }
    auto node = std::make_shared<BatchNormEvalBackward>(g, xc, out, rm, inv, a, p.relu);
    node->affine_ = affine;
    autograd::record(out, node, {&x, &weight, &bias});
  }
  return out;
}

}  // namespace nnlab
