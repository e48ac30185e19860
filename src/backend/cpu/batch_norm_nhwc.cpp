#include "backend/cpu/batch_norm_nhwc.h"

#include <cmath>
#include <vector>

namespace nnlab::cpu {

void bn_rows_moments(const BnRows& g, const float* x, double* sum, double* centred, float* shift) {
  NNLAB_ISA_CALL(bn_rows_moments, g, x, sum, centred, shift);
}

void bn_rows_forward_inference(const BnRows& g, const float* x, const float* gamma, const float* beta,
                               const float* mean, const float* var, float* y, bool relu) {
  NNLAB_ISA_CALL(bn_rows_forward_inference, g, x, gamma, beta, mean, var, y, relu);
}

void bn_rows_backward_sums(const BnRows& g, const float* x, const float* dy, const float* y, const float* mean,
                           double* sums, bool relu) {
  NNLAB_ISA_CALL(bn_rows_backward_sums, g, x, dy, y, mean, sums, relu);
}

void bn_rows_backward_data(const BnRows& g, const float* x, const float* dy, const float* y, const float* gamma,
                           const float* mean, const float* var, const double* sums, double count, float* dx,
                           bool relu) {
  NNLAB_ISA_CALL(bn_rows_backward_data, g, x, dy, y, gamma, mean, var, sums, count, dx, relu);
}

void bn_param_grads(const BnRows& g, const float* var, const double* sums, float* dgamma, float* dbeta) {
  for (int64_t c = 0; c < g.c; ++c) {
    const double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + g.eps);
    if (dgamma) dgamma[c] = static_cast<float>(sums[g.c + c] * inv);
    if (dbeta) dbeta[c] = static_cast<float>(sums[c]);
  }
}

void bn_rows_forward_training(const BnRows& g, const float* x, const float* gamma, const float* beta, float* y,
                              float* mean, float* var, bool relu) {
  std::vector<double> sum(g.c), centred(g.c);
  bn_rows_moments(g, x, sum.data(), centred.data(), mean);
  for (int64_t c = 0; c < g.c; ++c) var[c] = static_cast<float>(centred[c] / static_cast<double>(g.rows));
  bn_rows_forward_inference(g, x, gamma, beta, mean, var, y, relu);
}

void bn_rows_backward(const BnRows& g, const float* x, const float* dy, const float* y, const float* gamma,
                      const float* mean, const float* var, float* dx, float* dgamma, float* dbeta, bool relu) {
  std::vector<double> sums(2 * g.c);
  bn_rows_backward_sums(g, x, dy, y, mean, sums.data(), relu);
  bn_param_grads(g, var, sums.data(), dgamma, dbeta);
  bn_rows_backward_data(g, x, dy, y, gamma, mean, var, sums.data(), static_cast<double>(g.rows), dx, relu);
}

}  // namespace nnlab::cpu
