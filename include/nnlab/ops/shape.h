// Ops that change a tensor's shape, not its values (they record gradients, unlike the
// Tensor::view family).
#pragma once

#include "nnlab/tensor.h"

namespace nnlab {

Tensor reshape(const Tensor& x, const Shape& shape);  // one dimension may be -1
Tensor flatten(const Tensor& x, int64_t start_dim = 1);
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
// Zero padding of the last two dimensions (H and W of NCHW): left, right, top, bottom.
Tensor pad2d(const Tensor& x, int64_t left, int64_t right, int64_t top, int64_t bottom);
// The mirror image along the last dimension (W of NCHW: left and right swapped).
Tensor flip_width(const Tensor& x);
// Concatenation along dimension 0 or 1.
Tensor cat(const std::vector<Tensor>& parts, int64_t dim = 0);

}  // namespace nnlab
