// The engine's side of nnlab/autograd_hooks.h.
#pragma once

#include <memory>

#include "tensor/tensor_impl.h"

namespace nnlab::autograd {

// Calls the post-accumulate hooks registered on `leaf` (none: one atomic load).
void run_post_accumulate_hooks(const std::shared_ptr<TensorImpl>& leaf);

}  // namespace nnlab::autograd
