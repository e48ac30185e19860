// Batch normalisation through oneDNN on NCHW (or NC) or channels-last NHWC data; oneDNN's
// NHWC kernel vectorises over channels and is the fast one.
#pragma once

#include <cstdint>
#include <string>

namespace nnlab::cpu {

struct BnGeometry {
  int64_t n, c, h, w;
  float eps;
  bool affine;  // scale and shift given
  bool channels_last;  // data in NHWC order (else NCHW)
  std::string key() const;
};

// Normalises with the batch's statistics; writes them (mean and biased variance, [C]).
void bnorm_forward_training(const BnGeometry& g, const float* src, const float* scale, const float* shift,
                            float* dst, float* mean, float* variance);
// Normalises with given (running) statistics.
void bnorm_forward_inference(const BnGeometry& g, const float* src, const float* scale, const float* shift,
                             const float* mean, const float* variance, float* dst);
// Gradients given the forward's batch statistics; diff_scale/diff_shift only when affine.
// oneDNN requires the shift argument in backward even though no gradient depends on it.
void bnorm_backward(const BnGeometry& g, const float* src, const float* diff_dst, const float* scale,
                    const float* shift, const float* mean, const float* variance, float* diff_src, float* diff_scale, float* diff_shift);

}  // namespace nnlab::cpu
