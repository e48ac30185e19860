#include "nnlab/tensor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "nnlab/error.h"
#include "nnlab/generator.h"
#include "tensor/layout.h"
#include "tensor/tensor_impl.h"

namespace nnlab {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

bool strides_are_contiguous(const Shape& shape, const Shape& strides) {
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

std::shared_ptr<TensorImpl> make_impl(const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) throw ShapeError("cannot make a tensor of shape " + shape_str(shape) + ": negative size");
  auto impl = std::make_shared<TensorImpl>();
  impl->numel = shape_numel(shape);
  impl->storage = std::make_shared<Storage>(impl->numel);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  return impl;
}

Tensor::Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

namespace {

const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
  if (!impl) throw Error("use of an undefined tensor");
  return *impl;
}

// Visits every element of a strided view in row-major order.
template <class F>
void for_each_offset(const TensorImpl& t, F&& f) {
  const int64_t nd = static_cast<int64_t>(t.shape.size());
  if (t.numel == 0) return;
  std::vector<int64_t> idx(nd, 0);
  int64_t off = t.offset;
  for (int64_t i = 0; i < t.numel; ++i) {
    f(i, off);
    for (int64_t d = nd - 1; d >= 0; --d) {
      if (++idx[d] < t.shape[d]) {
        off += t.strides[d];
        break;
      }
      off -= t.strides[d] * (t.shape[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace

Tensor Tensor::empty(const Shape& shape) { return Tensor(make_impl(shape)); }

Tensor Tensor::zeros(const Shape& shape) { return full(shape, 0.0f); }

Tensor Tensor::ones(const Shape& shape) { return full(shape, 1.0f); }

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  std::fill_n(t.data(), t.numel(), value);
  return t;
}

Tensor Tensor::scalar(float value) { return full({}, value); }

Tensor Tensor::from_data(const Shape& shape, std::span<const float> values) {
  if (static_cast<int64_t>(values.size()) != shape_numel(shape))
    throw ShapeError(fmt::format("{} values given for a tensor of shape {} ({} elements)", values.size(),
                                 shape_str(shape), shape_numel(shape)));
  Tensor t = empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

Tensor Tensor::uniform(const Shape& shape, float low, float high, Generator& gen) {
  Tensor t = empty(shape);
  gen.fill_uniform({t.data(), static_cast<size_t>(t.numel())}, low, high);
  return t;
}

Tensor Tensor::normal(const Shape& shape, float mean, float stddev, Generator& gen) {
  Tensor t = empty(shape);
  gen.fill_normal({t.data(), static_cast<size_t>(t.numel())}, mean, stddev);
  return t;
}

const Shape& Tensor::shape() const { return checked(impl_).shape; }
const Shape& Tensor::strides() const { return checked(impl_).strides; }
int64_t Tensor::dim() const { return static_cast<int64_t>(shape().size()); }
int64_t Tensor::numel() const { return checked(impl_).numel; }
bool Tensor::is_contiguous() const { return checked(impl_).contiguous; }

int64_t Tensor::size(int64_t d) const {
  int64_t nd = dim();
  int64_t i = d < 0 ? d + nd : d;
  if (i < 0 || i >= nd)
    throw ShapeError(fmt::format("dimension {} is out of range for a tensor of shape {}", d, shape_str(shape())));
  return shape()[i];
}

float* Tensor::data() const {
  const TensorImpl& t = checked(impl_);
  if (!t.contiguous) throw Error("data() needs a contiguous tensor; call contiguous() first");
  return t.data();
}

std::vector<float> Tensor::to_vector() const {
  Tensor c = contiguous();
  return std::vector<float>(c.data(), c.data() + c.numel());
}

float Tensor::item() const {
  if (numel() != 1)
    throw ShapeError(fmt::format("item() needs a one-element tensor, got shape {}", shape_str(shape())));
  return contiguous().data()[0];
}

float Tensor::at(std::initializer_list<int64_t> index) const {
  const TensorImpl& t = checked(impl_);
  if (static_cast<int64_t>(index.size()) != dim())
    throw ShapeError(fmt::format("{} indices given for a tensor of shape {}", index.size(), shape_str(t.shape)));
  int64_t off = t.offset, d = 0;
  for (int64_t i : index) {
    if (i < 0 || i >= t.shape[d])
      throw ShapeError(fmt::format("index {} is out of range for dimension {} of shape {}", i, d, shape_str(t.shape)));
    off += i * t.strides[d++];
  }
  return t.storage->data[off];
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  const TensorImpl& src = checked(impl_);
  Tensor out = empty(src.shape);
  float* dst = out.data();
  if (src.contiguous) {
    std::memcpy(dst, src.data(), sizeof(float) * src.numel);
  } else if (is_channels_last(*this)) {
    detail::nhwc_to_nchw(src.data(), dst, src.shape[0], src.shape[1], src.shape[2] * src.shape[3]);
  } else {
    const float* base = src.storage->data;
    for_each_offset(src, [&](int64_t i, int64_t off) { dst[i] = base[off]; });
  }
  return out;
}

Tensor Tensor::detach() const {
  const TensorImpl& src = checked(impl_);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = src.storage;
  impl->offset = src.offset;
  impl->shape = src.shape;
  impl->strides = src.strides;
  impl->numel = src.numel;
  impl->contiguous = src.contiguous;
  return Tensor(std::move(impl));
}

Tensor Tensor::view(const Shape& shape) const {
  const TensorImpl& src = checked(impl_);
  Shape s = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) throw ShapeError("view: only one dimension can be -1, got " + shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0 && known > 0 && src.numel % known == 0) s[infer] = src.numel / known;
  if (shape_numel(s) != src.numel)
    throw ShapeError(fmt::format("cannot view a tensor of shape {} ({} elements) as {}", shape_str(src.shape),
                                 src.numel, shape_str(shape)));
  if (!src.contiguous) throw Error("view() needs a contiguous tensor; call contiguous() first");
  Tensor out = detach();
  out.impl_->shape = s;
  out.impl_->strides = contiguous_strides(s);
  return out;
}

Tensor Tensor::slice(int64_t begin, int64_t end) const {
  const TensorImpl& src = checked(impl_);
  if (src.shape.empty()) throw ShapeError("slice() needs a tensor with at least one dimension");
  if (begin < 0 || end > src.shape[0] || begin > end)
    throw ShapeError(fmt::format("slice [{}, {}) is out of range for shape {}", begin, end, shape_str(src.shape)));
  Tensor out = detach();
  out.impl_->offset += begin * src.strides[0];
  out.impl_->shape[0] = end - begin;
  out.impl_->numel = shape_numel(out.impl_->shape);
  out.impl_->contiguous = strides_are_contiguous(out.impl_->shape, out.impl_->strides);
  return out;
}

Tensor Tensor::select(int64_t index) const {
  Tensor row = slice(index, index + 1);
  Shape s(row.shape().begin() + 1, row.shape().end());
  Shape st(row.strides().begin() + 1, row.strides().end());
  row.impl_->shape = s;
  row.impl_->strides = st;
  row.impl_->contiguous = strides_are_contiguous(s, st);
  return row;
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  int64_t nd = dim();
  int64_t a = d0 < 0 ? d0 + nd : d0, b = d1 < 0 ? d1 + nd : d1;
  if (a < 0 || a >= nd || b < 0 || b >= nd)
    throw ShapeError(fmt::format("transpose({}, {}) is out of range for shape {}", d0, d1, shape_str(shape())));
  Tensor out = detach();
  std::swap(out.impl_->shape[a], out.impl_->shape[b]);
  std::swap(out.impl_->strides[a], out.impl_->strides[b]);
  out.impl_->contiguous = strides_are_contiguous(out.impl_->shape, out.impl_->strides);
  return out;
}

void Tensor::copy_(const Tensor& src) const {
  const TensorImpl& dst = checked(impl_);
  const TensorImpl& s = checked(src.impl_);
  if (dst.numel != s.numel)
    throw ShapeError(fmt::format("copy_: source shape {} does not match destination shape {}", shape_str(s.shape),
                                 shape_str(dst.shape)));
  if (!dst.contiguous) throw Error("copy_ needs a contiguous destination");
  Tensor c = src.contiguous();
  std::memmove(dst.data(), c.data(), sizeof(float) * dst.numel);
  bump_version();
}

void Tensor::fill_(float value) const {
  const TensorImpl& t = checked(impl_);
  if (t.contiguous) {
    std::fill_n(t.data(), t.numel, value);
  } else {
    float* base = t.storage->data;
    for_each_offset(t, [&](int64_t, int64_t off) { base[off] = value; });
  }
  bump_version();
}

void Tensor::bump_version() const { checked(impl_).storage->version.fetch_add(1, std::memory_order_relaxed); }

uint64_t Tensor::version() const { return checked(impl_).storage->version.load(std::memory_order_relaxed); }

bool Tensor::requires_grad() const {
  const TensorImpl& t = checked(impl_);
  return t.autograd && (t.autograd->requires_grad || t.autograd->grad_fn);
}

Tensor& Tensor::requires_grad_(bool on) {
  checked(impl_);
  if (impl_->autograd && impl_->autograd->grad_fn)
    throw Error("requires_grad_ can only be set on a leaf tensor; use detach() for a non-leaf");
  impl_->meta().requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const {
  const TensorImpl& t = checked(impl_);
  return !t.autograd || !t.autograd->grad_fn;
}

Tensor Tensor::grad() const {
  const TensorImpl& t = checked(impl_);
  return t.autograd ? t.autograd->grad : Tensor();
}

void Tensor::set_grad(const Tensor& grad) const {
  checked(impl_);
  if (grad.defined() && grad.shape() != shape())
    throw ShapeError(fmt::format("gradient of shape {} assigned to a tensor of shape {}", shape_str(grad.shape()),
                                 shape_str(shape())));
  impl_->meta().grad = grad;
}

void Tensor::zero_grad() const {
  if (checked(impl_).autograd) impl_->autograd->grad = Tensor();
}

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<autograd::Node> none;
  const TensorImpl& t = checked(impl_);
  return t.autograd ? t.autograd->grad_fn : none;
}

void Tensor::set_grad_fn(std::shared_ptr<autograd::Node> fn) const {
  checked(impl_);
  impl_->meta().grad_fn = std::move(fn);
}

std::string Tensor::str() const {
  if (!defined()) return "Tensor(undefined)";
  std::string s = "Tensor(shape=" + shape_str(shape());
  if (numel() <= 16) s += fmt::format(", values=[{}]", fmt::join(to_vector(), ", "));
  return s + ")";
}

}  // namespace nnlab
