// Elementwise activations through oneDNN's vectorised eltwise kernels.
#pragma once

#include <cstdint>

#include <dnnl.hpp>

namespace nnlab::cpu {

void eltwise_forward(dnnl::algorithm alg, float alpha, const float* src, float* dst, int64_t n);
// `data` is the forward input, or the output for the *_use_dst_for_bwd algorithms.
void eltwise_backward(dnnl::algorithm alg, float alpha, const float* data, const float* diff_dst, float* diff_src,
                      int64_t n);

}  // namespace nnlab::cpu
