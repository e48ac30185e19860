#include "backend/cpu/optimizer_kernels.h"

namespace nnlab::cpu {

void sgd_update(const SgdScalars& c, float* p, const float* g, int64_t n) { NNLAB_ISA_CALL(sgd_update, c, p, g, n); }

void sgd_momentum_update(const SgdScalars& c, float* p, const float* g, float* v, int64_t n) {
  NNLAB_ISA_CALL(sgd_momentum_update, c, p, g, v, n);
}

void adam_update(const AdamScalars& c, float* p, const float* g, float* m, float* v, float* v_max, int64_t n) {
  NNLAB_ISA_CALL(adam_update, c, p, g, m, v, v_max, n);
}

void rmsprop_update(const RMSpropScalars& c, float* p, const float* g, float* sq, float* avg_g, float* buf,
                    int64_t n) {
  NNLAB_ISA_CALL(rmsprop_update, c, p, g, sq, avg_g, buf, n);
}

void adagrad_update(float clr, float wd, float eps, float* p, const float* g, float* sum, int64_t n) {
  NNLAB_ISA_CALL(adagrad_update, clr, wd, eps, p, g, sum, n);
}

}  // namespace nnlab::cpu
