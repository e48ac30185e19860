// Compiled once per instruction-set level (isa.h): the AVX-512 and AVX2 builds have the kernel,
// the baseline build takes no geometry (oneDNN runs them).
#include "backend/cpu/conv_one_channel.h"

#include <algorithm>
#include <utility>

#include "nnlab/error.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace nnlab::cpu::NNLAB_ISA {

#if defined(__AVX512F__) || defined(__AVX2__)

namespace {

// The vector operations the kernel needs, at this build's width: 16 lanes with AVX-512's
// mask registers, 8 with AVX2's masked loads (lanes whose mask is off are not read, nor
// fault, so an address may lie before a row).
#ifdef __AVX512F__
struct Vec {
  using Reg = __m512;
  using Mask = __mmask16;
  static constexpr int64_t kLanes = 16;
  // Lanes [lo, hi).
  static Mask lanes(int64_t lo, int64_t hi) {
    lo = std::clamp<int64_t>(lo, 0, kLanes);
    hi = std::clamp<int64_t>(hi, lo, kLanes);
    const uint32_t upto_hi = (1u << hi) - 1, below_lo = (1u << lo) - 1;
    return static_cast<Mask>(upto_hi & ~below_lo);
  }
  static Reg load(Mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static Reg set1(float v) { return _mm512_set1_ps(v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static void store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
};
#else
struct Vec {
  using Reg = __m256;
  using Mask = __m256i;
  static constexpr int64_t kLanes = 8;
  static Mask lanes(int64_t lo, int64_t hi) {
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    lo = std::clamp<int64_t>(lo, 0, kLanes);
    hi = std::clamp<int64_t>(hi, lo, kLanes);
    const __m256i at_or_above_lo = _mm256_cmpgt_epi32(index, _mm256_set1_epi32(static_cast<int>(lo) - 1));
    const __m256i below_hi = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(hi)), index);
    return _mm256_and_si256(at_or_above_lo, below_hi);
  }
  static Reg load(Mask m, const float* p) { return _mm256_maskload_ps(p, m); }
  static Reg set1(float v) { return _mm256_set1_ps(v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static void store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
};
#endif

constexpr int64_t kLanes = Vec::kLanes;
constexpr int64_t kMaxOut = 16;  // output channels
constexpr int64_t kMaxKernel = 16;  // kernel width, for the per-column masks

// One output row segment of `pixels` pixels from ox0 (two vectors), all output channels,
// two channels at a time: four accumulators in named registers (GCC kept an array of them
// on the stack, storing after every FMA) give four independent FMA chains against the
// FMA's 4-cycle latency, and each input vector loaded serves both channels.
void row_segment(const ConvGeometry& g, const float* image, const float* weight, const float* bias, int64_t oy,
                 int64_t ox0, int64_t pixels, float* out) {
  // Lanes whose input column lies inside the row, per tap column; the others read as zero
  // (padding).
  Vec::Mask lo_inside[kMaxKernel], hi_inside[kMaxKernel];
  for (int64_t kx = 0; kx < g.kw; ++kx) {
    const int64_t ix0 = ox0 + kx - g.padding;  // input column under lane 0
    lo_inside[kx] = Vec::lanes(-ix0, std::min(pixels, g.w - ix0));
    hi_inside[kx] = Vec::lanes(-ix0 - kLanes, std::min(pixels - kLanes, g.w - ix0 - kLanes));
  }
  const int64_t taps = g.kh * g.kw;
  const int64_t ky_begin = std::max<int64_t>(0, g.padding - oy), ky_end = std::min(g.kh, g.h + g.padding - oy);
  alignas(64) float lanes_of[kMaxOut + 1][2 * kLanes];
  for (int64_t o = 0; o < g.o; o += 2) {
    const int64_t o2 = std::min(o + 1, g.o - 1);  // an odd count computes its last channel twice
    Vec::Reg a_lo = Vec::set1(bias ? bias[o] : 0.0f), a_hi = a_lo;
    Vec::Reg b_lo = Vec::set1(bias ? bias[o2] : 0.0f), b_hi = b_lo;
    for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
      const float* row = image + (oy + ky - g.padding) * g.w + ox0 - g.padding;
      const float* wa = weight + o * taps + ky * g.kw;
      const float* wb = weight + o2 * taps + ky * g.kw;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const Vec::Reg lo = Vec::load(lo_inside[kx], row + kx);
        const Vec::Reg hi = Vec::load(hi_inside[kx], row + kx + kLanes);
        const Vec::Reg va = Vec::set1(wa[kx]), vb = Vec::set1(wb[kx]);
        a_lo = Vec::fma(va, lo, a_lo);
        a_hi = Vec::fma(va, hi, a_hi);
        b_lo = Vec::fma(vb, lo, b_lo);
        b_hi = Vec::fma(vb, hi, b_hi);
      }
    }
    Vec::store(lanes_of[o], a_lo);
    Vec::store(lanes_of[o] + kLanes, a_hi);
    Vec::store(lanes_of[o + 1], b_lo);
    Vec::store(lanes_of[o + 1] + kLanes, b_hi);
  }
  // Channels-last: pixel by pixel, all channels each.
  for (int64_t l = 0; l < pixels; ++l)
    for (int64_t o = 0; o < g.o; ++o) out[l * g.o + o] = lanes_of[o][l];
}

}  // namespace

bool one_channel_conv_applies(const ConvGeometry& g) {
  return !g.bf16 && g.c == 1 && g.stride == 1 && g.dilation == 1 && g.o <= kMaxOut && g.kw <= kMaxKernel;
}

void one_channel_conv_forward(const ConvGeometry& g, const float* src, const float* weight, const float* bias,
                              float* dst) {
  constexpr int64_t span = 2 * kLanes;
  for (int64_t n = 0; n < g.n; ++n) {
    const float* image = src + n * g.h * g.w;
    for (int64_t oy = 0; oy < g.oh; ++oy)
      for (int64_t ox0 = 0; ox0 < g.ow; ox0 += span)
        row_segment(g, image, weight, bias, oy, ox0, std::min(span, g.ow - ox0),
                    dst + ((n * g.oh + oy) * g.ow + ox0) * g.o);
  }
}

#else

bool one_channel_conv_applies(const ConvGeometry&) { return false; }

void one_channel_conv_forward(const ConvGeometry&, const float*, const float*, const float*, float*) {
  throw Error("one_channel_conv_forward needs AVX2 or AVX-512: callers check one_channel_conv_applies first");
}

#endif

}  // namespace nnlab::cpu::NNLAB_ISA
