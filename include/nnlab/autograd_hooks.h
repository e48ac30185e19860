// Hooks on a leaf (a parameter) that backward() calls once it has accumulated the leaf's
// gradient of the pass, as PyTorch's register_post_accumulate_grad_hook: a data-parallel
// reducer starts sending a bucket of gradients while the rest of backward still runs.
//
//   autograd::PostAccumulateHook hook(weight, [](const Tensor& w) { send(w.grad()); });
//
// The hook lives as long as the handle. Hooks sit in a table beside the graph, so tensors
// without one carry nothing and a backward pass with none registered pays one atomic load.
#pragma once

#include <cstdint>
#include <functional>

#include "nnlab/tensor.h"

namespace nnlab::autograd {

class PostAccumulateHook {
 public:
  PostAccumulateHook() = default;
  // `leaf` must be a leaf tensor (no grad_fn); the hook gets it, its grad() complete.
  PostAccumulateHook(const Tensor& leaf, std::function<void(const Tensor&)> hook);
  ~PostAccumulateHook();
  PostAccumulateHook(PostAccumulateHook&& other) noexcept : id_(other.id_) { other.id_ = 0; }
  PostAccumulateHook& operator=(PostAccumulateHook&& other) noexcept;
  PostAccumulateHook(const PostAccumulateHook&) = delete;
  PostAccumulateHook& operator=(const PostAccumulateHook&) = delete;

 private:
  int64_t id_ = 0;
};

}  // namespace nnlab::autograd
