// The node at a leaf that requires grad: adds the incoming gradient into the leaf's grad().
#pragma once

#include "nnlab/autograd.h"
#include "tensor/tensor_impl.h"

namespace nnlab::autograd {

class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  std::string name() const override { return "AccumulateGrad"; }
  std::vector<Tensor> backward(const Tensor& grad_output) override;

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

}  // namespace nnlab::autograd
