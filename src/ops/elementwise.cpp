#include "nnlab/ops/elementwise.h"

#include <fmt/format.h>

#include <cmath>

#include "backend/cpu/broadcast.h"
#include "backend/cpu/elementwise.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "tensor/layout.h"

namespace nnlab {

using autograd::Node;
using autograd::SavedTensor;

Shape broadcast_shape(const Shape& a, const Shape& b) {
  size_t nd = std::max(a.size(), b.size());
  Shape out(nd);
  for (size_t i = 0; i < nd; ++i) {
    int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
    int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
    if (da != db && da != 1 && db != 1)
      throw ShapeError(fmt::format("shapes {} and {} cannot be broadcast together (dimension {}: {} vs {})",
                                   shape_str(a), shape_str(b), i, da, db));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  if (shape_numel(shape) == 1) {
    Tensor c = t.contiguous();
    return Tensor::full(shape, static_cast<float>(cpu::sum(c.data(), c.numel())));
  }
  broadcast_shape(shape, t.shape());  // validates
  Tensor c = t.contiguous();
  Tensor out = Tensor::zeros(shape);
  Shape so = cpu::broadcast_strides(shape, out.strides(), t.shape());
  Shape st = c.strides();
  const float* src = c.data();
  float* dst = out.data();
  cpu::for_each_broadcast(t.shape(), st, so, [&](int64_t, int64_t os, int64_t od) { dst[od] += src[os]; });
  return out;
}

namespace {

enum class BinaryKind { Add, Sub, Mul, Div };

float apply(BinaryKind k, float a, float b) {
  switch (k) {
    case BinaryKind::Add: return a + b;
    case BinaryKind::Sub: return a - b;
    case BinaryKind::Mul: return a * b;
    case BinaryKind::Div: return a / b;
  }
  return 0;
}

Tensor binary_forward(BinaryKind kind, const Tensor& a, const Tensor& b) {
  if (is_dense(a) && same_layout(a, b)) {
    // Operands in one dense layout (both contiguous, or both channels-last: a residual
    // add in a conv net) are flat arrays, and so is the result.
    Tensor out = empty_like_layout(a);
    float* o = dense_data(out);
    const int64_t n = out.numel();
    const float *pa = dense_data(a), *pb = dense_data(b);
    switch (kind) {
      case BinaryKind::Add: cpu::add(o, pa, pb, n); break;
      case BinaryKind::Sub: cpu::sub(o, pa, pb, n); break;
      case BinaryKind::Mul: cpu::mul(o, pa, pb, n); break;
      case BinaryKind::Div: cpu::div(o, pa, pb, n); break;
    }
    return out;
  }
  Shape out_shape = a.shape() == b.shape() ? a.shape() : broadcast_shape(a.shape(), b.shape());
  Tensor out = Tensor::empty(out_shape);
  float* o = out.data();
  Tensor ac = a.contiguous(), bc = b.contiguous();
  Shape sa = cpu::broadcast_strides(ac.shape(), ac.strides(), out_shape);
  Shape sb = cpu::broadcast_strides(bc.shape(), bc.strides(), out_shape);
  const float *pa = ac.data(), *pb = bc.data();
  cpu::for_each_broadcast(out_shape, sa, sb,
                          [&](int64_t i, int64_t oa, int64_t ob) { o[i] = apply(kind, pa[oa], pb[ob]); });
  return out;
}

class BinaryBackward : public Node {
 public:
  BinaryBackward(BinaryKind kind, const Tensor& a, const Tensor& b)
      : kind_(kind), a_shape_(a.shape()), b_shape_(b.shape()) {
    if (kind == BinaryKind::Mul || kind == BinaryKind::Div) {
      a_ = SavedTensor(a);
      b_ = SavedTensor(b);
    }
  }
  std::string name() const override { return "BinaryBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    NoGradGuard no_grad;
    Tensor ga, gb;
    switch (kind_) {
      case BinaryKind::Add:
        ga = g;
        gb = g;
        break;
      case BinaryKind::Sub:
        ga = g;
        if (needs_grad(1)) gb = neg(g);
        break;
      case BinaryKind::Mul:
        if (needs_grad(0)) ga = mul(g, b_.get());
        if (needs_grad(1)) gb = mul(g, a_.get());
        break;
      case BinaryKind::Div: {
        Tensor b = b_.get();
        if (needs_grad(0)) ga = div(g, b);
        if (needs_grad(1)) gb = neg(div(mul(g, a_.get()), mul(b, b)));
        break;
      }
    }
    if (needs_grad(0)) ga = sum_to(ga, a_shape_);
    else ga = Tensor();
    if (needs_grad(1)) gb = sum_to(gb, b_shape_);
    else gb = Tensor();
    return {ga, gb};
  }
  void release() override {
    a_.release();
    b_.release();
  }

 private:
  BinaryKind kind_;
  Shape a_shape_, b_shape_;
  SavedTensor a_, b_;
};

Tensor binary(BinaryKind kind, const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(kind, a, b);
  autograd::maybe_record(out, {&a, &b}, [&] { return std::make_shared<BinaryBackward>(kind, a, b); });
  return out;
}

// Unary ops whose backward is g * f'(x), with f' computed from the saved input and output.
enum class UnaryKind { Scale, Square, Exp, Log };

class UnaryBackward : public Node {
 public:
  UnaryBackward(UnaryKind kind, float s, const Tensor& x, const Tensor& y) : kind_(kind), s_(s) {
    if (kind == UnaryKind::Square || kind == UnaryKind::Log) x_ = SavedTensor(x);
    if (kind == UnaryKind::Exp) y_ = SavedTensor(y);
  }
  std::string name() const override { return "UnaryBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    NoGradGuard no_grad;
    switch (kind_) {
      case UnaryKind::Scale: return {mul_scalar(g, s_)};
      case UnaryKind::Square: return {mul(g, mul_scalar(x_.get(), 2.0f))};
      case UnaryKind::Exp: return {mul(g, y_.get())};
      case UnaryKind::Log: return {div(g, x_.get())};
    }
    return {};
  }
  void release() override {
    x_.release();
    y_.release();
  }

 private:
  UnaryKind kind_;
  float s_;
  SavedTensor x_, y_;
};

// out = f(out data, x data, count) on a contiguous copy of x.
template <class Kernel>
Tensor map(const Tensor& x, Kernel&& kernel) {
  Tensor c = x.contiguous();
  Tensor out = Tensor::empty(x.shape());
  kernel(out.data(), c.data(), out.numel());
  return out;
}

Tensor map(const Tensor& x, cpu::UnaryOp op) {
  return map(x, [op](float* o, const float* in, int64_t n) { cpu::unary(op, o, in, n); });
}

Tensor unary(UnaryKind kind, float s, const Tensor& x, Tensor out) {
  autograd::maybe_record(out, {&x}, [&] { return std::make_shared<UnaryBackward>(kind, s, x, out); });
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary(BinaryKind::Add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryKind::Sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryKind::Mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(BinaryKind::Div, a, b); }

Tensor add_scalar(const Tensor& a, float s) {
  Tensor out = map(a, [s](float* o, const float* in, int64_t n) { cpu::add_scalar(o, in, s, n); });
  return unary(UnaryKind::Scale, 1.0f, a, out);
}

Tensor mul_scalar(const Tensor& a, float s) {
  Tensor out = map(a, [s](float* o, const float* in, int64_t n) { cpu::scale(o, in, s, n); });
  return unary(UnaryKind::Scale, s, a, out);
}

Tensor neg(const Tensor& a) { return mul_scalar(a, -1.0f); }

Tensor square(const Tensor& a) { return unary(UnaryKind::Square, 0, a, map(a, cpu::UnaryOp::Square)); }

Tensor exp(const Tensor& a) { return unary(UnaryKind::Exp, 0, a, map(a, cpu::UnaryOp::Exp)); }

Tensor log(const Tensor& a) { return unary(UnaryKind::Log, 0, a, map(a, cpu::UnaryOp::Log)); }

namespace {

// Gradient of a reduction: the output gradient spread back over the reduced elements.
class ReduceBackward : public Node {
 public:
  ReduceBackward(Shape in_shape, int64_t dim, float scale) : in_shape_(std::move(in_shape)), dim_(dim), scale_(scale) {}
  std::string name() const override { return "ReduceBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    NoGradGuard no_grad;
    Tensor gc = g.contiguous();
    Tensor out = Tensor::empty(in_shape_);
    float* o = out.data();
    const float* pg = gc.data();
    if (dim_ < 0) {
      cpu::fill(o, pg[0] * scale_, out.numel());
      return {out};
    }
    int64_t outer = 1, inner = 1, n = in_shape_[dim_];
    for (int64_t d = 0; d < dim_; ++d) outer *= in_shape_[d];
    for (size_t d = dim_ + 1; d < in_shape_.size(); ++d) inner *= in_shape_[d];
    for (int64_t i = 0; i < outer; ++i)
      for (int64_t k = 0; k < n; ++k)
        for (int64_t j = 0; j < inner; ++j) o[(i * n + k) * inner + j] = pg[i * inner + j] * scale_;
    return {out};
  }

 private:
  Shape in_shape_;
  int64_t dim_;
  float scale_;
};

Tensor reduce_all(const Tensor& a, float scale) {
  Tensor c = a.contiguous();
  Tensor out = Tensor::scalar(static_cast<float>(cpu::sum(c.data(), c.numel()) * scale));
  autograd::maybe_record(out, {&a}, [&] { return std::make_shared<ReduceBackward>(a.shape(), -1, scale); });
  return out;
}

Tensor reduce_dim(const Tensor& a, int64_t dim, bool keepdim, bool average) {
  const int64_t nd = a.dim();
  const int64_t d = dim < 0 ? dim + nd : dim;
  if (d < 0 || d >= nd)
    throw ShapeError(fmt::format("reduction over dimension {} of a tensor of shape {}", dim, shape_str(a.shape())));
  Tensor c = a.contiguous();
  int64_t outer = 1, inner = 1, n = a.shape()[d];
  for (int64_t i = 0; i < d; ++i) outer *= a.shape()[i];
  for (int64_t i = d + 1; i < nd; ++i) inner *= a.shape()[i];
  Shape out_shape = a.shape();
  if (keepdim) out_shape[d] = 1;
  else out_shape.erase(out_shape.begin() + d);
  Tensor out = Tensor::zeros(out_shape);
  const float scale = average ? 1.0f / static_cast<float>(n) : 1.0f;
  const float* p = c.data();
  float* o = out.data();
  for (int64_t i = 0; i < outer; ++i) {
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < inner; ++j) o[i * inner + j] += p[(i * n + k) * inner + j];
    for (int64_t j = 0; j < inner; ++j) o[i * inner + j] *= scale;
  }
  autograd::maybe_record(out, {&a}, [&] { return std::make_shared<ReduceBackward>(a.shape(), d, scale); });
  return out;
}

}  // namespace

Tensor sum(const Tensor& a) { return reduce_all(a, 1.0f); }

Tensor mean(const Tensor& a) {
  if (a.numel() == 0) throw ShapeError("mean() of an empty tensor");
  return reduce_all(a, 1.0f / static_cast<float>(a.numel()));
}

Tensor sum(const Tensor& a, int64_t dim, bool keepdim) { return reduce_dim(a, dim, keepdim, false); }

Tensor mean(const Tensor& a, int64_t dim, bool keepdim) { return reduce_dim(a, dim, keepdim, true); }

}  // namespace nnlab
