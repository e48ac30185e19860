// Tensor: a handle to float32 data with a shape and strides, and its autograd record.
// Copies of a Tensor share the same data, as in PyTorch; clone() makes a deep copy.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nnlab {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[64, 3, 32, 32]"
Shape contiguous_strides(const Shape& shape);

class Generator;
struct TensorImpl;
namespace autograd {
class Node;
}

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl);

  // Factories. Storage is contiguous (row-major, NCHW for images) and 64-byte aligned.
  static Tensor empty(const Shape& shape);
  static Tensor zeros(const Shape& shape);
  static Tensor ones(const Shape& shape);
  static Tensor full(const Shape& shape, float value);
  static Tensor scalar(float value);
  static Tensor from_data(const Shape& shape, std::span<const float> values);
  static Tensor uniform(const Shape& shape, float low, float high, Generator& gen);
  static Tensor normal(const Shape& shape, float mean, float stddev, Generator& gen);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Shape& strides() const;
  int64_t dim() const;
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const;
  bool is_contiguous() const;

  // Pointer to the first element of contiguous data (throws otherwise: call contiguous()).
  float* data() const;
  std::vector<float> to_vector() const;
  float item() const;  // the value of a one-element tensor
  float at(std::initializer_list<int64_t> index) const;

  Tensor contiguous() const;  // itself when already contiguous
  Tensor clone() const;       // deep copy, outside the graph
  Tensor detach() const;      // same data, outside the graph

  // Views: share storage with this tensor; they do not record gradients (use the ops
  // reshape/flatten for that).
  Tensor view(const Shape& shape) const;  // contiguous tensors; one dimension may be -1
  Tensor slice(int64_t begin, int64_t end) const;  // rows [begin, end) of dimension 0
  Tensor select(int64_t index) const;              // row `index` of dimension 0
  Tensor transpose(int64_t d0, int64_t d1) const;  // a strided view

  // In-place writes. They bump the data's version, so a value saved for a backward pass
  // and overwritten afterwards is caught instead of silently giving a wrong gradient.
  void copy_(const Tensor& src) const;
  void fill_(float value) const;
  void bump_version() const;
  uint64_t version() const;

  // Autograd.
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const;
  Tensor grad() const;
  void set_grad(const Tensor& grad) const;
  void zero_grad() const;  // drops the gradient (PyTorch's set_to_none)
  // Gradients of this tensor (a scalar unless `gradient` is given) with respect to every
  // leaf that requires grad, accumulated into their grad(). The graph is freed afterwards
  // unless retain_graph, so a second backward through it is an error.
  void backward(const Tensor& gradient = {}, bool retain_graph = false) const;
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  void set_grad_fn(std::shared_ptr<autograd::Node> fn) const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  std::string str() const;  // shape and (for small tensors) values, for messages and debugging

 private:
  std::shared_ptr<TensorImpl> impl_;
};

}  // namespace nnlab
