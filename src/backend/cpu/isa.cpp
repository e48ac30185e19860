#include "backend/cpu/isa.h"

#include <cpuid.h>

#include <cstdlib>
#include <string>

#include "nnlab/error.h"

namespace nnlab::cpu {

namespace {

// __builtin_cpu_supports reads cpuid and, for AVX and AVX-512, whether the operating
// system saves the wider registers (XGETBV), so a level is never picked that would fault.
// F16C is read from cpuid directly: clang 14 (the fuzz build) does not know "f16c" there.
bool has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}

Isa detect() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2") &&
      has_f16c())
    return Isa::Avx2;
  return Isa::Baseline;
}

Isa cap_from_environment(Isa detected) {
  const char* cap = std::getenv("NNLAB_MAX_ISA");
  if (!cap || !*cap) return detected;
  std::string v(cap);
  for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  Isa limit;
  if (v == "avx512") limit = Isa::Avx512;
  else if (v == "avx2") limit = Isa::Avx2;
  else if (v == "baseline" || v == "sse41" || v == "sse42") limit = Isa::Baseline;
  else
    throw ConfigError("NNLAB_MAX_ISA='" + std::string(cap) +
                      "' is not a level nnlab knows: set it to avx512, avx2 or baseline, or unset it");
  return limit < detected ? limit : detected;
}

}  // namespace

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() {
  static const Isa isa = cap_from_environment(detected_isa());
  return isa;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "baseline";
  }
}

}  // namespace nnlab::cpu
