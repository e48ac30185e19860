#include "backend/cpu/broadcast.h"

namespace nnlab::cpu {

Shape broadcast_strides(const Shape& in_shape, const Shape& in_strides, const Shape& out) {
  Shape s(out.size(), 0);
  size_t shift = out.size() - in_shape.size();
  for (size_t i = 0; i < in_shape.size(); ++i) s[i + shift] = in_shape[i] == 1 ? 0 : in_strides[i];
  return s;
}

}  // namespace nnlab::cpu
