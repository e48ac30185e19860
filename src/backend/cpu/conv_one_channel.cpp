#include "backend/cpu/conv_one_channel.h"

#include <algorithm>
#include <utility>

#include "nnlab/error.h"

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace nnlab::cpu {

namespace {
constexpr int64_t kLanes = 16;
constexpr int64_t kMaxOut = 16;  // accumulators held in registers, one per output channel
constexpr int64_t kMaxKernel = 16;  // kernel width, for the per-column masks
}  // namespace

bool one_channel_conv_applies(const ConvGeometry& g) {
#ifdef __AVX512F__
  return !g.bf16 && g.c == 1 && g.stride == 1 && g.dilation == 1 && g.o <= kMaxOut && g.kw <= kMaxKernel;
#else
  (void)g;
  return false;
#endif
}

#ifdef __AVX512F__

namespace {

// Lanes [lo, hi) of a 16-lane mask.
__mmask16 lane_range(int64_t lo, int64_t hi) {
  lo = std::clamp<int64_t>(lo, 0, kLanes);
  hi = std::clamp<int64_t>(hi, lo, kLanes);
  const uint32_t upto_hi = (1u << hi) - 1, below_lo = (1u << lo) - 1;
  return static_cast<__mmask16>(upto_hi & ~below_lo);
}

// One output row segment of `pixels` pixels from ox0 (at most K vectors of 16), all output
// channels. O and K are compile-time counts so that the O x K accumulators live in
// registers; K = 2 gives each weight broadcast two independent FMA chains, which LeNet's
// 6 channels alone (6 chains against a 4-cycle FMA latency) could not keep busy.
// One output row segment of `pixels` pixels from ox0 (two vectors of 16 lanes), all output
// channels, two channels at a time: four accumulators in named registers (GCC kept an
// array of them on the stack, storing after every FMA) give four independent FMA chains
// against the FMA's 4-cycle latency, and each input vector loaded serves both channels.
void row_segment(const ConvGeometry& g, const float* image, const float* weight, const float* bias, int64_t oy,
                 int64_t ox0, int64_t pixels, float* out) {
  // Lanes whose input column lies inside the row, per tap column; the others read as zero
  // (padding). Masked-off lanes are not read (nor fault), so an address may lie before a row.
  __mmask16 lo_inside[kMaxKernel], hi_inside[kMaxKernel];
  for (int64_t kx = 0; kx < g.kw; ++kx) {
    const int64_t ix0 = ox0 + kx - g.padding;  // input column under lane 0
    lo_inside[kx] = lane_range(-ix0, std::min(pixels, g.w - ix0));
    hi_inside[kx] = lane_range(-ix0 - kLanes, std::min(pixels - kLanes, g.w - ix0 - kLanes));
  }
  const int64_t taps = g.kh * g.kw;
  const int64_t ky_begin = std::max<int64_t>(0, g.padding - oy), ky_end = std::min(g.kh, g.h + g.padding - oy);
  alignas(64) float lanes_of[kMaxOut + 1][2 * kLanes];
  for (int64_t o = 0; o < g.o; o += 2) {
    const int64_t o2 = std::min(o + 1, g.o - 1);  // an odd count computes its last channel twice
    __m512 a_lo = _mm512_set1_ps(bias ? bias[o] : 0.0f), a_hi = a_lo;
    __m512 b_lo = _mm512_set1_ps(bias ? bias[o2] : 0.0f), b_hi = b_lo;
    for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
      const float* row = image + (oy + ky - g.padding) * g.w + ox0 - g.padding;
      const float* wa = weight + o * taps + ky * g.kw;
      const float* wb = weight + o2 * taps + ky * g.kw;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const __m512 lo = _mm512_maskz_loadu_ps(lo_inside[kx], row + kx);
        const __m512 hi = _mm512_maskz_loadu_ps(hi_inside[kx], row + kx + kLanes);
        const __m512 va = _mm512_set1_ps(wa[kx]), vb = _mm512_set1_ps(wb[kx]);
        a_lo = _mm512_fmadd_ps(va, lo, a_lo);
        a_hi = _mm512_fmadd_ps(va, hi, a_hi);
        b_lo = _mm512_fmadd_ps(vb, lo, b_lo);
        b_hi = _mm512_fmadd_ps(vb, hi, b_hi);
      }
    }
    _mm512_store_ps(lanes_of[o], a_lo);
    _mm512_store_ps(lanes_of[o] + kLanes, a_hi);
    _mm512_store_ps(lanes_of[o + 1], b_lo);
    _mm512_store_ps(lanes_of[o + 1] + kLanes, b_hi);
  }
  // Channels-last: pixel by pixel, all channels each.
  for (int64_t l = 0; l < pixels; ++l)
    for (int64_t o = 0; o < g.o; ++o) out[l * g.o + o] = lanes_of[o][l];
}

}  // namespace

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

void one_channel_conv_forward(const ConvGeometry&, const float*, const float*, const float*, float*) {
  throw Error("one_channel_conv_forward needs AVX-512: callers check one_channel_conv_applies first");
}

#endif

}  // namespace nnlab::cpu
