#include "backend/cpu/conv_few_channels.h"

namespace nnlab::cpu {

bool few_channel_conv_applies(const ConvGeometry& g) { NNLAB_ISA_CALL(few_channel_conv_applies, g); }

void few_channel_conv_forward(const ConvGeometry& g, const float* src, const float* weight, const float* bias,
                              float* dst, bool max_pool2) {
  NNLAB_ISA_CALL(few_channel_conv_forward, g, src, weight, bias, dst, max_pool2);
}

}  // namespace nnlab::cpu
