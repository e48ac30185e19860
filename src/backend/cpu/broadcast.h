// Strided iteration for broadcasting elementwise ops: walks an output shape and yields,
// for each element, the offsets into up to two inputs whose broadcast dimensions have
// stride 0.
#pragma once

#include <cstdint>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab::cpu {

// Strides of `t`'s data as seen from an output of shape `out` (0 on broadcast dimensions).
Shape broadcast_strides(const Shape& in_shape, const Shape& in_strides, const Shape& out);

// Calls f(out_index, offset_a, offset_b) for every element of `out` in row-major order.
template <class F>
void for_each_broadcast(const Shape& out, const Shape& sa, const Shape& sb, F&& f) {
  const size_t nd = out.size();
  int64_t total = shape_numel(out);
  if (total == 0) return;
  if (nd == 0) {
    f(0, 0, 0);
    return;
  }
  const int64_t inner = out[nd - 1], ia = sa[nd - 1], ib = sb[nd - 1];
  std::vector<int64_t> idx(nd, 0);
  int64_t oa = 0, ob = 0;
  for (int64_t base = 0; base < total; base += inner) {
    for (int64_t j = 0; j < inner; ++j) f(base + j, oa + j * ia, ob + j * ib);
    for (size_t d = nd - 1; d-- > 0;) {
      if (++idx[d] < out[d]) {
        oa += sa[d];
        ob += sb[d];
        break;
      }
      oa -= sa[d] * (out[d] - 1);
      ob -= sb[d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace nnlab::cpu
