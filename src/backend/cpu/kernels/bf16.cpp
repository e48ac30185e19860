// Compiled once per instruction-set level (isa.h).
#include <cstring>

#include "backend/cpu/onednn_conv.h"

namespace nnlab::cpu::NNLAB_ISA {

void to_bf16(const float* src, void* dst, int64_t n) {
  uint16_t* out = static_cast<uint16_t*>(dst);
#pragma omp parallel for simd schedule(static) if (parallel: n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &src[i], 4);
    // Round to nearest even on the upper 16 bits; NaN stays NaN (quiet bit set).
    const uint32_t rounded = (bits & 0x7fffffffu) > 0x7f800000u ? (bits | 0x00400000u)
                                                                : bits + 0x7fffu + ((bits >> 16) & 1u);
    out[i] = static_cast<uint16_t>(rounded >> 16);
  }
}

}  // namespace nnlab::cpu::NNLAB_ISA
