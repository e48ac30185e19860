#include "backend/cpu/conv_one_channel.h"

namespace nnlab::cpu {

bool one_channel_conv_applies(const ConvGeometry& g) { NNLAB_ISA_CALL(one_channel_conv_applies, g); }

void one_channel_conv_forward(const ConvGeometry& g, const float* src, const float* weight, const float* bias,
                              float* dst) {
  NNLAB_ISA_CALL(one_channel_conv_forward, g, src, weight, bias, dst);
}

}  // namespace nnlab::cpu
