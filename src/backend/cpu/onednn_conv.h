// 2-D convolution forward and backward through oneDNN, on plain NCHW / OIHW data. Each
// distinct geometry gets primitives created once; data moves to the layouts oneDNN prefers
// and back inside these calls.
#pragma once

#include <cstdint>
#include <string>

namespace nnlab::cpu {

struct ConvGeometry {
  int64_t n, c, h, w;      // input
  int64_t o, kh, kw;       // weight
  int64_t oh, ow;          // output
  int64_t stride, padding, dilation;
  bool bias;
  std::string key() const;
};

void conv2d_forward(const ConvGeometry& g, const float* src, const float* weight, const float* bias, float* dst,
                    bool training);
void conv2d_backward_data(const ConvGeometry& g, const float* diff_dst, const float* weight, float* diff_src);
// diff_bias may be null when the convolution has no bias.
void conv2d_backward_weights(const ConvGeometry& g, const float* src, const float* diff_dst, float* diff_weight,
                             float* diff_bias);

}  // namespace nnlab::cpu
