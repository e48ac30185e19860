#include "autograd/accumulate_grad.h"

#include <fmt/format.h>

#include "autograd/grad_hooks.h"
#include "backend/cpu/elementwise.h"
#include "nnlab/error.h"
#include "tensor/layout.h"

namespace nnlab::autograd {

std::vector<Tensor> AccumulateGrad::backward(const Tensor& grad_output) {
  AutogradMeta& meta = leaf_->meta();
  if (grad_output.shape() != leaf_->shape)
    throw ShapeError(fmt::format("gradient of shape {} for a leaf of shape {}", shape_str(grad_output.shape()),
                                 shape_str(leaf_->shape)));
  if (!meta.grad.defined()) {
    // Take the buffer over when nobody else holds it; otherwise copy, since the incoming
    // gradient may alias a tensor that is still in use.
    // A leaf's grad() is contiguous whatever layout the ops used (a channels-last input's
    // gradient is transposed here), as users and optimizers expect.
    bool sole = grad_output.impl_ptr().use_count() == 1 && grad_output.impl()->storage.use_count() == 1 &&
                grad_output.is_contiguous() && !grad_output.requires_grad();
    meta.grad = sole ? grad_output : grad_output.clone();
  } else {
    Tensor g = grad_output.contiguous();
    cpu::add_inplace(meta.grad.data(), g.data(), g.numel());
    meta.grad.bump_version();
  }
  run_post_accumulate_hooks(leaf_);
  return {};
}

}  // namespace nnlab::autograd
