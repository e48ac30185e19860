// 2-D convolution forward and backward through oneDNN on channels-last (NHWC) activations
// and plain OIHW weights. Each distinct geometry gets its primitives created once; the
// weights go to the layout the primitive prefers once per weight version (not once per
// call), and activations never move: NHWC is a layout the oneDNN kernels read directly.
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

// Plain OIHW weights and the identity of their current values (storage id and version),
// under which their reordered copy is cached; id 0 means "do not cache".
struct WeightRef {
  const float* data;
  uint64_t id, version;
};

void conv2d_forward(const ConvGeometry& g, const float* src, WeightRef weight, const float* bias, float* dst,
                    bool training);
void conv2d_backward_data(const ConvGeometry& g, const float* diff_dst, WeightRef weight, float* diff_src);
// diff_bias may be null when the convolution has no bias.
void conv2d_backward_weights(const ConvGeometry& g, const float* src, const float* diff_dst, float* diff_weight,
                             float* diff_bias);

}  // namespace nnlab::cpu
