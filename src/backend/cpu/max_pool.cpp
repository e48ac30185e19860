#include "backend/cpu/max_pool.h"

namespace nnlab::cpu {

void max_pool2d_forward(const PoolGeometry& g, const float* src, float* dst, int32_t* argmax) {
  NNLAB_ISA_CALL(max_pool2d_forward, g, src, dst, argmax);
}

void max_pool2d_backward(const PoolGeometry& g, const float* diff_dst, const int32_t* argmax, float* diff_src) {
  NNLAB_ISA_CALL(max_pool2d_backward, g, diff_dst, argmax, diff_src);
}

}  // namespace nnlab::cpu
