// The instruction-set level of nnlab's own kernels, chosen once at start-up as PyTorch's
// ATen picks its CPU capability: the best level the CPU (and the operating system's saved
// register state) supports, capped by NNLAB_MAX_ISA=avx512|avx2|baseline, as oneDNN's own
// kernels are capped by ONEDNN_MAX_CPU_ISA. The library itself is built for x86-64-v2;
// only the sources under kernels/ are compiled once per level (CMakeLists.txt).
#pragma once

namespace nnlab::cpu {

enum class Isa { Baseline = 0, Avx2 = 1, Avx512 = 2 };

// What this CPU runs: Avx512 needs x86-64-v4 (AVX-512 F, BW, DQ, VL), Avx2 x86-64-v3
// (AVX2, FMA, BMI2, F16C), anything else Baseline.
Isa detected_isa();

// The level in use: detected_isa() capped by NNLAB_MAX_ISA. Read once, on the first call;
// throws ConfigError for a value of NNLAB_MAX_ISA it does not know.
Isa active_isa();

// "avx512", "avx2", "baseline": the spelling NNLAB_MAX_ISA takes.
const char* isa_name(Isa isa);

}  // namespace nnlab::cpu

// A kernel source under kernels/ is compiled three times, with NNLAB_ISA defined as
// baseline, avx2 and avx512 (and the matching -march), and defines its functions in
// namespace nnlab::cpu::NNLAB_ISA. Its header declares the dispatching function in
// nnlab::cpu and, with NNLAB_ISA_DECLARE, the three variants; the dispatcher's body is
// NNLAB_ISA_CALL(name, args...). The switch costs a load and a branch per kernel call.
#define NNLAB_ISA_DECLARE(...)   \
  namespace baseline {           \
  __VA_ARGS__;                   \
  }                              \
  namespace avx2 {               \
  __VA_ARGS__;                   \
  }                              \
  namespace avx512 {             \
  __VA_ARGS__;                   \
  }

#define NNLAB_ISA_CALL(fn, ...)                                         \
  switch (::nnlab::cpu::active_isa()) {                                 \
    case ::nnlab::cpu::Isa::Avx512: return avx512::fn(__VA_ARGS__);     \
    case ::nnlab::cpu::Isa::Avx2: return avx2::fn(__VA_ARGS__);         \
    case ::nnlab::cpu::Isa::Baseline: break;                            \
  }                                                                     \
  return baseline::fn(__VA_ARGS__)
