// Tensor::backward is declared with the tensor but runs the autograd engine, a layer above
// the tensor (cmake/layers.cmake): it is defined here, so the tensor layer needs nothing above it.
#include "nnlab/autograd.h"

namespace nnlab {

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  autograd::run_backward(*this, gradient, retain_graph);
}

}  // namespace nnlab
