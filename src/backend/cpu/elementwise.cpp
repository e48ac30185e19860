#include "backend/cpu/elementwise.h"

#include <cstring>

namespace nnlab::cpu {

void add_inplace(float* dst, const float* src, int64_t n) { NNLAB_ISA_CALL(add_inplace, dst, src, n); }
void axpy(float* dst, float alpha, const float* src, int64_t n) { NNLAB_ISA_CALL(axpy, dst, alpha, src, n); }
void add(float* out, const float* a, const float* b, int64_t n) { NNLAB_ISA_CALL(add, out, a, b, n); }
void sub(float* out, const float* a, const float* b, int64_t n) { NNLAB_ISA_CALL(sub, out, a, b, n); }
void mul(float* out, const float* a, const float* b, int64_t n) { NNLAB_ISA_CALL(mul, out, a, b, n); }
void div(float* out, const float* a, const float* b, int64_t n) { NNLAB_ISA_CALL(div, out, a, b, n); }
void scale(float* out, const float* a, float s, int64_t n) { NNLAB_ISA_CALL(scale, out, a, s, n); }
void add_scalar(float* out, const float* a, float s, int64_t n) { NNLAB_ISA_CALL(add_scalar, out, a, s, n); }
void fill(float* out, float value, int64_t n) { NNLAB_ISA_CALL(fill, out, value, n); }
double sum(const float* a, int64_t n) { NNLAB_ISA_CALL(sum, a, n); }
double sum_squares(const float* a, int64_t n) { NNLAB_ISA_CALL(sum_squares, a, n); }
void unary(UnaryOp op, float* out, const float* x, int64_t n) { NNLAB_ISA_CALL(unary, op, out, x, n); }
void leaky_relu(float* out, const float* x, float slope, int64_t n) { NNLAB_ISA_CALL(leaky_relu, out, x, slope, n); }
void leaky_relu_backward(float* out, const float* g, const float* ref, float slope, int64_t n) {
  NNLAB_ISA_CALL(leaky_relu_backward, out, g, ref, slope, n);
}
void moving_average(float* avg, const float* x, float keep, int64_t n) {
  NNLAB_ISA_CALL(moving_average, avg, x, keep, n);
}

void copy(float* out, const float* a, int64_t n) {
  if (out != a) std::memcpy(out, a, sizeof(float) * n);
}

}  // namespace nnlab::cpu
