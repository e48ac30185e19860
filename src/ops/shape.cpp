#include "nnlab/ops/shape.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "backend/cpu/elementwise.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"

namespace nnlab {

using autograd::Node;

namespace {

class ReshapeBackward : public Node {
 public:
  explicit ReshapeBackward(Shape in) : in_(std::move(in)) {}
  std::string name() const override { return "ReshapeBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {g.contiguous().view(in_)}; }

 private:
  Shape in_;
};

class TransposeBackward : public Node {
 public:
  TransposeBackward(int64_t d0, int64_t d1) : d0_(d0), d1_(d1) {}
  std::string name() const override { return "TransposeBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {g.transpose(d0_, d1_).contiguous()}; }

 private:
  int64_t d0_, d1_;
};

class Pad2dBackward : public Node {
 public:
  Pad2dBackward(Shape in, int64_t left, int64_t top) : in_(std::move(in)), left_(left), top_(top) {}
  std::string name() const override { return "Pad2dBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor gc = g.contiguous();
    Tensor out = Tensor::empty(in_);
    const int64_t h = in_[in_.size() - 2], w = in_[in_.size() - 1];
    const int64_t gh = gc.size(-2), gw = gc.size(-1);
    const int64_t planes = out.numel() / (h * w);
    const float* src = gc.data();
    float* dst = out.data();
#pragma omp parallel for if (planes * h * w > cpu::kParallelGrain)
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t y = 0; y < h; ++y)
        std::memcpy(dst + (p * h + y) * w, src + (p * gh + y + top_) * gw + left_, sizeof(float) * w);
    return {out};
  }

 private:
  Shape in_;
  int64_t left_, top_;
};

// Reverses each row of the last dimension; a mirror is its own inverse, so the backward
// pass mirrors the gradient.
Tensor mirror_rows(const Tensor& x) {
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty(x.shape());
  const int64_t w = x.size(-1);
  const int64_t rows = w == 0 ? 0 : x.numel() / w;
  const float* src = xc.data();
  float* dst = out.data();
#pragma omp parallel for if (x.numel() > cpu::kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) std::reverse_copy(src + r * w, src + (r + 1) * w, dst + r * w);
  return out;
}

class FlipWidthBackward : public Node {
 public:
  std::string name() const override { return "FlipWidthBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {mirror_rows(g)}; }
};

class CatBackward : public Node {
 public:
  CatBackward(std::vector<int64_t> sizes, int64_t dim) : sizes_(std::move(sizes)), dim_(dim) {}
  std::string name() const override { return "CatBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    std::vector<Tensor> grads;
    int64_t begin = 0;
    for (int64_t s : sizes_) {
      grads.push_back(dim_ == 0 ? g.slice(begin, begin + s).contiguous()
                                : g.transpose(0, 1).slice(begin, begin + s).transpose(0, 1).contiguous());
      begin += s;
    }
    return grads;
  }

 private:
  std::vector<int64_t> sizes_;
  int64_t dim_;
};

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  Tensor out = x.contiguous().view(shape);
  autograd::maybe_record(out, {&x}, [&] { return std::make_shared<ReshapeBackward>(x.shape()); });
  return out;
}

Tensor flatten(const Tensor& x, int64_t start_dim) {
  const int64_t nd = x.dim();
  const int64_t s = start_dim < 0 ? start_dim + nd : start_dim;
  if (s < 0 || s >= std::max<int64_t>(nd, 1))
    throw ShapeError(fmt::format("flatten from dimension {} of a tensor of shape {}", start_dim, shape_str(x.shape())));
  Shape shape(x.shape().begin(), x.shape().begin() + s);
  shape.push_back(-1);
  if (x.numel() == 0) shape.back() = 0;
  return reshape(x, shape);
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  Tensor out = x.transpose(d0, d1).contiguous();
  autograd::maybe_record(out, {&x}, [&] { return std::make_shared<TransposeBackward>(d0, d1); });
  return out;
}

Tensor pad2d(const Tensor& x, int64_t left, int64_t right, int64_t top, int64_t bottom) {
  if (x.dim() < 2)
    throw ShapeError("pad2d needs a tensor of at least 2 dimensions, got " + shape_str(x.shape()));
  if (left < 0 || right < 0 || top < 0 || bottom < 0)
    throw ShapeError(fmt::format("pad2d: negative padding ({}, {}, {}, {})", left, right, top, bottom));
  Tensor xc = x.contiguous();
  Shape out_shape = x.shape();
  const int64_t h = out_shape[out_shape.size() - 2], w = out_shape[out_shape.size() - 1];
  const int64_t oh = h + top + bottom, ow = w + left + right;
  out_shape[out_shape.size() - 2] = oh;
  out_shape[out_shape.size() - 1] = ow;
  Tensor out = Tensor::zeros(out_shape);
  const int64_t planes = x.numel() / std::max<int64_t>(h * w, 1);
  const float* src = xc.data();
  float* dst = out.data();
  if (h * w > 0) {
#pragma omp parallel for if (out.numel() > cpu::kParallelGrain)
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t y = 0; y < h; ++y)
        std::memcpy(dst + (p * oh + y + top) * ow + left, src + (p * h + y) * w, sizeof(float) * w);
  }
  autograd::maybe_record(out, {&x}, [&] { return std::make_shared<Pad2dBackward>(x.shape(), left, top); });
  return out;
}

Tensor flip_width(const Tensor& x) {
  if (x.dim() < 1) throw ShapeError("flip_width needs a tensor of at least 1 dimension, got a scalar");
  Tensor out = mirror_rows(x);
  autograd::maybe_record(out, {&x}, [] { return std::make_shared<FlipWidthBackward>(); });
  return out;
}

Tensor cat(const std::vector<Tensor>& parts, int64_t dim) {
  if (parts.empty()) throw ShapeError("cat of no tensors");
  if (dim != 0 && dim != 1) throw ShapeError(fmt::format("cat along dimension {}: only 0 and 1 are supported", dim));
  Shape out_shape = parts[0].shape();
  if (static_cast<int64_t>(out_shape.size()) <= dim)
    throw ShapeError(fmt::format("cat along dimension {} of a tensor of shape {}", dim, shape_str(out_shape)));
  std::vector<int64_t> sizes;
  out_shape[dim] = 0;
  for (const Tensor& p : parts) {
    Shape s = p.shape();
    Shape a = s, b = out_shape;
    if (static_cast<int64_t>(s.size()) <= dim) a.clear();
    else a[dim] = 0;
    b[dim] = 0;
    if (a != b)
      throw ShapeError(fmt::format("cat: shape {} does not match {} outside dimension {}", shape_str(s),
                                   shape_str(parts[0].shape()), dim));
    sizes.push_back(s[dim]);
    out_shape[dim] += s[dim];
  }
  Tensor out = Tensor::empty(out_shape);
  int64_t outer = 1, row = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= out_shape[d];
  for (size_t d = dim + 1; d < out_shape.size(); ++d) row *= out_shape[d];
  int64_t offset = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    Tensor pc = parts[i].contiguous();
    const int64_t chunk = sizes[i] * row;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(out.data() + o * out_shape[dim] * row + offset, pc.data() + o * chunk, sizeof(float) * chunk);
    offset += chunk;
  }
  bool needs = false;
  for (const Tensor& p : parts) needs = needs || (grad_enabled() && p.requires_grad());
  if (needs) {
    auto node = std::make_shared<CatBackward>(sizes, dim);
    for (const Tensor& p : parts) node->next.push_back(autograd::gradient_edge(p));
    out.set_grad_fn(node);
  }
  return out;
}

}  // namespace nnlab
