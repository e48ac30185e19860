#include "nnlab/autograd.h"
#include "nnlab/error.h"

namespace nnlab::autograd {

SavedTensor::SavedTensor(const Tensor& t) : tensor_(t.defined() ? t.detach() : Tensor()) {
  if (t.defined()) version_ = t.version();
}

Tensor SavedTensor::get() const {
  if (released_)
    throw Error(
        "backward through a part of the graph that was already freed by an earlier backward(); "
        "pass retain_graph=true to the first backward() to go through the graph twice");
  if (tensor_.defined() && tensor_.version() != version_)
    throw Error(
        "a tensor saved for the backward pass was modified in place after it was used (its version moved from " +
        std::to_string(version_) + " to " + std::to_string(tensor_.version()) +
        "); clone() it before writing, or write before the forward pass");
  return tensor_;
}

void SavedTensor::release() {
  tensor_ = Tensor();
  released_ = true;
}

}  // namespace nnlab::autograd
