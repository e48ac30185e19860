// Reverse-mode autograd on a dynamic tape, as in PyTorch: every op that has an input
// requiring grad records a Node; backward() walks the nodes from the output in dependency
// order and accumulates gradients into the leaves.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab {

// Whether ops record gradients on this thread (on by default).
bool grad_enabled();

// Turns gradient recording off for its scope, like `with torch.no_grad():`.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

namespace autograd {

// One recorded op. It has exactly one output; next[i] is where the gradient of input i
// goes (null when input i needs none).
class Node {
 public:
  virtual ~Node() = default;
  virtual std::string name() const = 0;
  // Gradients with respect to each input, given the gradient of the output. Entries for
  // inputs that need no gradient may be left undefined.
  virtual std::vector<Tensor> backward(const Tensor& grad_output) = 0;
  // Frees what the node saved for backward, after a backward pass without retain_graph.
  virtual void release() {}

  bool needs_grad(size_t input) const { return input < next.size() && next[input] != nullptr; }

  std::vector<std::shared_ptr<Node>> next;
};

// A tensor saved by a node for its backward pass. It keeps the data but not the autograd
// record (so an op saving its own output makes no reference cycle), and remembers the data
// version: an in-place write between forward and backward is an error, not a wrong result.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(const Tensor& t);
  Tensor get() const;  // throws if released or overwritten since saved
  void release();
  bool defined() const { return tensor_.defined() || released_; }

 private:
  Tensor tensor_;
  uint64_t version_ = 0;
  bool released_ = false;
};

// True when grad mode is on and any of the inputs requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
// The node an input's gradient flows into: its grad_fn, or the accumulator of a leaf that
// requires grad, or null.
std::shared_ptr<Node> gradient_edge(const Tensor& t);
// Attaches `node` as `out`'s grad_fn, connected to the inputs' gradient edges.
void record(const Tensor& out, std::shared_ptr<Node> node, std::initializer_list<const Tensor*> inputs);
// Convenience for the common pattern: records only when any input requires grad; `make`
// builds the node lazily so no-grad calls pay nothing.
template <class MakeNode>
void maybe_record(const Tensor& out, std::initializer_list<const Tensor*> inputs, MakeNode&& make) {
  if (any_requires_grad(inputs)) record(out, make(), inputs);
}

void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph);

}  // namespace autograd
}  // namespace nnlab
