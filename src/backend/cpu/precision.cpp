#include "nnlab/precision.h"

#include <dnnl.hpp>

#include "nnlab/error.h"

namespace nnlab {

namespace {
Precision g_precision = Precision::F32;
}

bool bf16_supported() {
  const auto isa = dnnl::get_effective_cpu_isa();
  return isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx;
}

void set_precision(Precision p) {
  if (p == Precision::BF16 && !bf16_supported())
    throw ConfigError("bfloat16 precision needs a CPU with AVX512-BF16 (or AMX); this one has neither");
  g_precision = p;
}

Precision precision() { return g_precision; }

}  // namespace nnlab
