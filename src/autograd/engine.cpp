// The backward engine. Nodes are run once all the nodes that feed them gradients have run
// (dependency counting over the graph reachable from the root), so each node sees the
// full sum of its output's gradient.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "autograd/accumulate_grad.h"
#include "backend/cpu/elementwise.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "tensor/layout.h"
#include "tensor/tensor_impl.h"

namespace nnlab::autograd {

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

std::shared_ptr<Node> gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.impl()->autograd) return nullptr;
  AutogradMeta& meta = *t.impl()->autograd;
  if (meta.grad_fn) return meta.grad_fn;
  if (!meta.requires_grad) return nullptr;
  if (auto acc = meta.grad_accumulator.lock()) return acc;
  auto acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
  meta.grad_accumulator = acc;
  return acc;
}

void record(const Tensor& out, std::shared_ptr<Node> node, std::initializer_list<const Tensor*> inputs) {
  node->next.reserve(inputs.size());
  for (const Tensor* t : inputs) node->next.push_back(t ? gradient_edge(*t) : nullptr);
  out.set_grad_fn(std::move(node));
}

namespace {

// A gradient being summed for one node. The first contribution is kept as given (it may
// alias another tensor, so it is never written); later ones go into a buffer we own.
struct PendingGrad {
  Tensor sum;
  bool owned = false;

  void add(const Tensor& g) {
    if (!sum.defined()) {
      sum = g;
      return;
    }
    if (g.shape() != sum.shape())
      throw ShapeError(fmt::format("gradient shapes disagree: {} and {}", shape_str(sum.shape()),
                                   shape_str(g.shape())));
    if (!owned) {
      // Summed in the first gradient's layout (channels-last stays channels-last).
      Tensor src = is_dense(sum) ? sum : sum.contiguous();
      Tensor copy = empty_like_layout(src);
      std::copy_n(dense_data(src), src.numel(), dense_data(copy));
      sum = copy;
      owned = true;
    }
    Tensor gc = to_layout_of(g, sum);
    cpu::add_inplace(dense_data(sum), dense_data(gc), sum.numel());
  }
};

}  // namespace

void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph) {
  std::shared_ptr<Node> root_fn = gradient_edge(root);
  if (!root_fn)
    throw Error("backward() on a tensor that does not require grad: no input of the computation requires grad");
  Tensor seed = grad;
  if (!seed.defined()) {
    if (root.numel() != 1)
      throw ShapeError("backward() without a gradient needs a scalar output, got shape " + shape_str(root.shape()) +
                       "; pass the gradient of the output");
    seed = Tensor::ones(root.shape());
  } else if (seed.shape() != root.shape()) {
    throw ShapeError(fmt::format("backward(): gradient of shape {} for an output of shape {}",
                                 shape_str(seed.shape()), shape_str(root.shape())));
  }

  // How many edges point at each node, counted over the reachable graph.
  std::unordered_map<Node*, int> dependencies;
  std::vector<Node*> stack{root_fn.get()};
  dependencies[root_fn.get()] = 0;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (auto& next : n->next) {
      if (!next) continue;
      auto [it, fresh] = dependencies.try_emplace(next.get(), 0);
      ++it->second;
      if (fresh) stack.push_back(next.get());
    }
  }

  std::unordered_map<Node*, PendingGrad> pending;
  pending[root_fn.get()].add(seed);
  std::vector<Node*> ready{root_fn.get()};
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    auto it = pending.find(node);
    Tensor g;
    if (it != pending.end()) {
      g = it->second.sum;
      pending.erase(it);
    }
    std::vector<Tensor> input_grads;
    if (g.defined()) input_grads = node->backward(g);
    if (!retain_graph) node->release();
    for (size_t i = 0; i < node->next.size(); ++i) {
      Node* next = node->next[i].get();
      if (!next) continue;
      if (i < input_grads.size() && input_grads[i].defined()) pending[next].add(input_grads[i]);
      if (--dependencies[next] == 0) ready.push_back(next);
    }
  }
}

}  // namespace nnlab::autograd
