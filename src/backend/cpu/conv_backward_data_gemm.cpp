#include "backend/cpu/conv_backward_data_gemm.h"

namespace nnlab::cpu {

bool gemm_conv_backward_data_applies(const ConvGeometry& g) {
  return !g.bf16 && g.dilation == 1 && g.c > 1 && g.c < 16;
}

void gemm_conv_backward_data(const ConvGeometry& g, const float* diff_dst, const float* weight, float* diff_src) {
  NNLAB_ISA_CALL(gemm_conv_backward_data, g, diff_dst, weight, diff_src);
}

}  // namespace nnlab::cpu
