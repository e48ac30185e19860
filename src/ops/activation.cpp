#include "nnlab/ops/activation.h"

#include <fmt/format.h>

#include <cmath>

#include "backend/cpu/elementwise.h"
#include "backend/cpu/onednn_eltwise.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/generator.h"
#include "nnlab/ops/elementwise.h"
#include "tensor/layout.h"

namespace nnlab {

using autograd::Node;
using autograd::SavedTensor;
using dnnl::algorithm;

namespace {

// Activations computed by oneDNN eltwise; the backward reads the saved input or output.
class EltwiseBackward : public Node {
 public:
  EltwiseBackward(std::string name, algorithm alg, float alpha, const Tensor& saved)
      : name_(std::move(name)), alg_(alg), alpha_(alpha), saved_(saved) {}
  std::string name() const override { return name_; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor gc = grad.contiguous();
    Tensor data = saved_.get();
    Tensor gx = Tensor::empty(data.shape());
    cpu::eltwise_backward(alg_, alpha_, data.data(), gc.data(), gx.data(), gx.numel());
    return {gx};
  }
  void release() override { saved_.release(); }

 private:
  std::string name_;
  algorithm alg_;
  float alpha_;
  SavedTensor saved_;
};

Tensor eltwise(const char* name, algorithm alg, float alpha, bool save_output, const Tensor& x) {
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty(x.shape());
  cpu::eltwise_forward(alg, alpha, xc.data(), out.data(), out.numel());
  autograd::maybe_record(out, {&x}, [&] {
    return std::make_shared<EltwiseBackward>(name, alg, alpha, save_output ? out : xc);
  });
  return out;
}

class ReluBackward : public Node {
 public:
  ReluBackward(const Tensor& y, float slope, const Tensor& x) : y_(y), x_(x), slope_(slope) {}
  std::string name() const override { return slope_ == 0 ? "ReluBackward" : "LeakyReluBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    // ReLU's gate is read from the output (y > 0 ⇔ x > 0); leaky ReLU needs the input.
    // Gate, gradient and result share one dense layout (channels-last in conv nets).
    Tensor gate = slope_ == 0 ? y_.get() : x_.get();
    Tensor gc = to_layout_of(grad, gate);
    Tensor gx = empty_like_layout(gate);
    const float *pg = dense_data(gc), *pd = dense_data(gate);
    float* o = dense_data(gx);
    const float s = slope_;
    const int64_t n = gx.numel();
    cpu::leaky_relu_backward(o, pg, pd, s, n);
    return {gx};
  }
  void release() override {
    y_.release();
    x_.release();
  }

 private:
  SavedTensor y_, x_;
  float slope_;
};

Tensor relu_like(const Tensor& x, float slope) {
  Tensor xc = is_dense(x) ? x : x.contiguous();
  Tensor out = empty_like_layout(xc);
  const float* p = dense_data(xc);
  float* o = dense_data(out);
  const int64_t n = out.numel();
  cpu::leaky_relu(o, p, slope, n);
  autograd::maybe_record(out, {&x}, [&] {
    return slope == 0 ? std::make_shared<ReluBackward>(out, 0.0f, Tensor())
                      : std::make_shared<ReluBackward>(Tensor(), slope, xc);
  });
  return out;
}

// Softmax and log-softmax along one dimension, viewed as [outer, n, inner].
struct Lanes {
  int64_t outer = 1, n = 1, inner = 1;
};

Lanes lanes(const Tensor& x, int64_t dim, const char* op) {
  const int64_t nd = x.dim();
  const int64_t d = dim < 0 ? dim + nd : dim;
  if (d < 0 || d >= nd) throw ShapeError(fmt::format("{} over dimension {} of shape {}", op, dim, shape_str(x.shape())));
  Lanes l;
  for (int64_t i = 0; i < d; ++i) l.outer *= x.size(i);
  l.n = x.size(d);
  for (int64_t i = d + 1; i < nd; ++i) l.inner *= x.size(i);
  return l;
}

void softmax_kernel(const float* x, float* y, Lanes l, bool log_space) {
#pragma omp parallel for collapse(2) if (l.outer * l.n * l.inner > cpu::kParallelGrain)
  for (int64_t o = 0; o < l.outer; ++o)
    for (int64_t j = 0; j < l.inner; ++j) {
      const float* px = x + o * l.n * l.inner + j;
      float* py = y + o * l.n * l.inner + j;
      float m = -INFINITY;
      for (int64_t k = 0; k < l.n; ++k) m = std::max(m, px[k * l.inner]);
      double s = 0;
      for (int64_t k = 0; k < l.n; ++k) s += std::exp(px[k * l.inner] - m);
      const float ls = static_cast<float>(std::log(s));
      for (int64_t k = 0; k < l.n; ++k) {
        float v = px[k * l.inner] - m - ls;
        py[k * l.inner] = log_space ? v : std::exp(v);
      }
    }
}

class SoftmaxBackward : public Node {
 public:
  SoftmaxBackward(const Tensor& y, Lanes l, bool log_space) : y_(y), l_(l), log_(log_space) {}
  std::string name() const override { return log_ ? "LogSoftmaxBackward" : "SoftmaxBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor gc = grad.contiguous();
    Tensor y = y_.get();
    Tensor gx = Tensor::empty(y.shape());
    const float *pg = gc.data(), *py = y.data();
    float* o = gx.data();
    const Lanes l = l_;
    for (int64_t a = 0; a < l.outer; ++a)
      for (int64_t j = 0; j < l.inner; ++j) {
        const int64_t base = a * l.n * l.inner + j;
        double dot = 0;
        // softmax: dx = y ⊙ (g − Σ g·y); log-softmax: dx = g − softmax · Σ g.
        for (int64_t k = 0; k < l.n; ++k) dot += log_ ? pg[base + k * l.inner] : pg[base + k * l.inner] * py[base + k * l.inner];
        for (int64_t k = 0; k < l.n; ++k) {
          const int64_t i = base + k * l.inner;
          o[i] = log_ ? pg[i] - std::exp(py[i]) * static_cast<float>(dot) : py[i] * (pg[i] - static_cast<float>(dot));
        }
      }
    return {gx};
  }
  void release() override { y_.release(); }

 private:
  SavedTensor y_;
  Lanes l_;
  bool log_;
};

Tensor softmax_op(const Tensor& x, int64_t dim, bool log_space) {
  Lanes l = lanes(x, dim, log_space ? "log_softmax" : "softmax");
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty(x.shape());
  softmax_kernel(xc.data(), out.data(), l, log_space);
  autograd::maybe_record(out, {&x}, [&] { return std::make_shared<SoftmaxBackward>(out, l, log_space); });
  return out;
}

class DropoutBackward : public Node {
 public:
  explicit DropoutBackward(Tensor mask) : mask_(std::move(mask)) {}
  std::string name() const override { return "DropoutBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    NoGradGuard no_grad;
    return {mul(grad, mask_)};
  }

 private:
  Tensor mask_;  // private to this node, never written: no version check needed
};

}  // namespace

Tensor relu(const Tensor& x) { return relu_like(x, 0.0f); }

Tensor leaky_relu(const Tensor& x, float negative_slope) { return relu_like(x, negative_slope); }

Tensor sigmoid(const Tensor& x) {
  return eltwise("SigmoidBackward", algorithm::eltwise_logistic_use_dst_for_bwd, 0.0f, true, x);
}

Tensor tanh(const Tensor& x) { return eltwise("TanhBackward", algorithm::eltwise_tanh_use_dst_for_bwd, 0.0f, true, x); }

Tensor gelu(const Tensor& x) { return eltwise("GeluBackward", algorithm::eltwise_gelu_erf, 0.0f, false, x); }

Tensor identity(const Tensor& x) { return x; }

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_op(x, dim, false); }

Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_op(x, dim, true); }

Tensor dropout(const Tensor& x, float p, bool training, Generator& gen) {
  if (!(p >= 0.0f && p < 1.0f))
    throw ConfigError(fmt::format("dropout probability {} is out of range: it must be in [0, 1)", p));
  if (!training || p == 0.0f) return x;
  Tensor mask = Tensor::empty(x.shape());
  gen.fill_bernoulli_mask({mask.data(), static_cast<size_t>(mask.numel())}, 1.0f - p, 1.0f / (1.0f - p));
  Tensor out;
  {
    NoGradGuard no_grad;
    out = mul(x, mask);
  }
  autograd::maybe_record(out, {&x}, [&] { return std::make_shared<DropoutBackward>(mask); });
  return out;
}

bool is_activation_name(const std::string& name) {
  return name == "relu" || name == "leaky_relu" || name == "sigmoid" || name == "tanh" || name == "gelu" ||
         name == "identity";
}

Tensor activation(const std::string& name, const Tensor& x) {
  if (name == "relu") return relu(x);
  if (name == "leaky_relu") return leaky_relu(x);
  if (name == "sigmoid") return sigmoid(x);
  if (name == "tanh") return tanh(x);
  if (name == "gelu") return gelu(x);
  if (name == "identity") return identity(x);
  throw ConfigError("unknown activation '" + name + "': accepted are relu, leaky_relu, sigmoid, tanh, gelu, identity");
}

}  // namespace nnlab
