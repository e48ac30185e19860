#include "backend/cpu/batch_norm_nhwc.h"

namespace nnlab::cpu {

void bn_rows_forward_training(const BnRows& g, const float* x, const float* gamma, const float* beta, float* y,
                              float* mean, float* var, bool relu) {
  NNLAB_ISA_CALL(bn_rows_forward_training, g, x, gamma, beta, y, mean, var, relu);
}

void bn_rows_forward_inference(const BnRows& g, const float* x, const float* gamma, const float* beta,
                               const float* mean, const float* var, float* y, bool relu) {
  NNLAB_ISA_CALL(bn_rows_forward_inference, g, x, gamma, beta, mean, var, y, relu);
}

void bn_rows_backward(const BnRows& g, const float* x, const float* dy, const float* y, const float* gamma,
                      const float* mean, const float* var, float* dx, float* dgamma, float* dbeta, bool relu) {
  NNLAB_ISA_CALL(bn_rows_backward, g, x, dy, y, gamma, mean, var, dx, dgamma, dbeta, relu);
}

}  // namespace nnlab::cpu
