// What a Tensor handle points to: a view (shape, strides, offset) of a Storage, and the
// autograd record, which exists only for tensors that take part in gradients.
#pragma once

#include <memory>

#include "nnlab/tensor.h"
#include "tensor/storage.h"

namespace nnlab {

struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;          // set for op outputs
  std::weak_ptr<autograd::Node> grad_accumulator;   // lazily made for leaves
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in floats
  Shape shape;
  Shape strides;
  int64_t numel = 0;
  bool contiguous = true;
  std::unique_ptr<AutogradMeta> autograd;

  AutogradMeta& meta() {
    if (!autograd) autograd = std::make_unique<AutogradMeta>();
    return *autograd;
  }
  float* data() const { return storage->data + offset; }
};

// A fresh contiguous tensor whose contents are undefined.
std::shared_ptr<TensorImpl> make_impl(const Shape& shape);
bool strides_are_contiguous(const Shape& shape, const Shape& strides);

}  // namespace nnlab
