// Compiled once per instruction-set level (isa.h): the AVX-512 and AVX2 builds have the kernel,
// the baseline build takes no geometry (oneDNN runs them).
#include "backend/cpu/conv_few_channels.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

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
  using Index = __m512i;
  static constexpr int64_t kLanes = 16;
  // Lanes [lo, hi).
  static Mask lanes(int64_t lo, int64_t hi) {
    lo = std::clamp<int64_t>(lo, 0, kLanes);
    hi = std::clamp<int64_t>(hi, lo, kLanes);
    const uint32_t upto_hi = (1u << hi) - 1, below_lo = (1u << lo) - 1;
    return static_cast<Mask>(upto_hi & ~below_lo);
  }
  static Reg load(Mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static Reg set1(float v) { return _mm512_set1_ps(v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  // The masked form: GCC 12's _mm512_max_ps starts from an undefined register and warns
  // (-Wmaybe-uninitialized) wherever it is inlined.
  static Reg max(Reg a, Reg b) { return _mm512_mask_max_ps(a, 0xFFFF, a, b); }
  static void store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static void store(Mask m, float* p, Reg v) { _mm512_mask_storeu_ps(p, m, v); }
  static Index index(const int32_t* p) { return _mm512_loadu_si512(p); }
  // out with the lanes in `lanes` replaced by src[at[lane]].
  static Reg permute_into(Reg out, uint32_t lanes, Index at, Reg src) {
    return _mm512_mask_permutexvar_ps(out, static_cast<__mmask16>(lanes), at, src);
  }
  // Lane j: max(x[2j], x[2j + 1]) of the 32 values x = lo, hi.
  static Reg pair_max(Reg lo, Reg hi) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    return max(_mm512_permutex2var_ps(lo, even, hi), _mm512_permutex2var_ps(lo, odd, hi));
  }
};
#else
struct Vec {
  using Reg = __m256;
  using Mask = __m256i;
  using Index = __m256i;
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
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static Reg set1(float v) { return _mm256_set1_ps(v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static Reg max(Reg a, Reg b) { return _mm256_max_ps(a, b); }
  static void store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static void store(Mask m, float* p, Reg v) { _mm256_maskstore_ps(p, m, v); }
  static Index index(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static Reg permute_into(Reg out, uint32_t lanes, Index at, Reg src) {
    const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i on = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(static_cast<int>(lanes)), bits), bits);
    return _mm256_blendv_ps(out, _mm256_permutevar8x32_ps(src, at), _mm256_castsi256_ps(on));
  }
  static Reg pair_max(Reg lo, Reg hi) {
    // [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6] against the odd lanes, then the 64-bit pairs in order.
    const __m256 m = _mm256_max_ps(_mm256_shuffle_ps(lo, hi, 0x88), _mm256_shuffle_ps(lo, hi, 0xDD));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(m), _MM_SHUFFLE(3, 1, 2, 0)));
  }
};
#endif

constexpr int64_t kLanes = Vec::kLanes;
constexpr int64_t kSpan = 2 * kLanes;  // output pixels per row segment
constexpr int64_t kMaxIn = 4;          // input channels
// Output channels: past 8 the channels-last assembly costs more than oneDNN saves (resnet20's
// conv1, 3 -> 16 channels 3x3: 1.0 ms here against oneDNN's 0.34 on 32 images).
constexpr int64_t kMaxOut = 8;
constexpr int64_t kMaxKernel = 16;     // kernel width, for the per-column masks

// A row segment's values, one plane of kSpan pixels per output channel (and spares for the
// last block's repeats).
using Planes = float[kMaxOut + 8][kSpan];

// One output row segment of `pixels` pixels from ox0 (two vectors), output channels
// [o0, o0 + CH) at a time, into planes: 2·CH accumulators in registers (fully unrolled, so
// GCC keeps them there) give that many independent FMA chains against the FMA's 4-cycle
// latency, and each input vector loaded serves CH channels. Channels past the last are
// computed as the last again (their planes are spare).
template <int CH>
void channel_block(const ConvGeometry& g, const float* image, const float* weight, const float* bias, int64_t oy,
                   int64_t ox0, const Vec::Mask* lo_inside, const Vec::Mask* hi_inside, int64_t o0, bool relu,
                   Planes& planes) {
  const int64_t taps = g.kh * g.kw, plane = g.h * g.w;
  const int64_t ky_begin = std::max<int64_t>(0, g.padding - oy), ky_end = std::min(g.kh, g.h + g.padding - oy);
  int64_t ch[CH];
  Vec::Reg lo_acc[CH], hi_acc[CH];
#pragma GCC unroll 8
  for (int j = 0; j < CH; ++j) {
    ch[j] = std::min<int64_t>(o0 + j, g.o - 1);
    lo_acc[j] = hi_acc[j] = Vec::set1(bias ? bias[ch[j]] : 0.0f);
  }
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
      const float* row = image + c * plane + (oy + ky - g.padding) * g.w + ox0 - g.padding;
      const float* w0 = weight + c * taps + ky * g.kw;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const Vec::Reg lo = Vec::load(lo_inside[kx], row + kx);
        const Vec::Reg hi = Vec::load(hi_inside[kx], row + kx + kLanes);
#pragma GCC unroll 8
        for (int j = 0; j < CH; ++j) {
          const Vec::Reg v = Vec::set1(w0[ch[j] * g.c * taps + kx]);
          lo_acc[j] = Vec::fma(v, lo, lo_acc[j]);
          hi_acc[j] = Vec::fma(v, hi, hi_acc[j]);
        }
      }
    }
  const Vec::Reg zero = Vec::set1(0.0f);
#pragma GCC unroll 8
  for (int j = 0; j < CH; ++j) {
    Vec::store(planes[o0 + j], relu ? Vec::max(lo_acc[j], zero) : lo_acc[j]);
    Vec::store(planes[o0 + j] + kLanes, relu ? Vec::max(hi_acc[j], zero) : hi_acc[j]);
  }
}

// The most channels one block keeps in registers: 2 accumulators each, beside the two input
// vectors and a broadcast (AVX2 has 16 registers, AVX-512 32).
constexpr int kMaxBlock = kLanes == 16 ? 8 : 6;

void row_segment(const ConvGeometry& g, const float* image, const float* weight, const float* bias, int64_t oy,
                 int64_t ox0, int64_t pixels, bool relu, Planes& planes) {
  // Lanes whose input column lies inside the row, per tap column; the others read as zero
  // (padding).
  Vec::Mask lo_inside[kMaxKernel], hi_inside[kMaxKernel];
  for (int64_t kx = 0; kx < g.kw; ++kx) {
    const int64_t ix0 = ox0 + kx - g.padding;  // input column under lane 0
    lo_inside[kx] = Vec::lanes(-ix0, std::min(pixels, g.w - ix0));
    hi_inside[kx] = Vec::lanes(-ix0 - kLanes, std::min(pixels - kLanes, g.w - ix0 - kLanes));
  }
  // Equal blocks: 6 channels in one, 8 in one (AVX-512) or two of 4 (AVX2).
  const int64_t blocks = (g.o + kMaxBlock - 1) / kMaxBlock, size = (g.o + blocks - 1) / blocks;
  for (int64_t o0 = 0; o0 < g.o; o0 += size) {
    const auto run = [&]<int CH>() {
      channel_block<CH>(g, image, weight, bias, oy, ox0, lo_inside, hi_inside, o0, relu, planes);
    };
    switch (size) {
      case 1: run.operator()<1>(); break;
      case 2: run.operator()<2>(); break;
      case 3: run.operator()<3>(); break;
      case 4: run.operator()<4>(); break;
      case 5: run.operator()<5>(); break;
      case 6: run.operator()<6>(); break;
      case 7: run.operator()<7>(); break;
      default: run.operator()<kMaxBlock>(); break;
    }
  }
}

// How the channels-last run of `pixels` pixels x o channels is assembled from planes of
// `stride` floats, one output vector at a time: for each plane half it draws on, a
// permutation and the lanes it fills. About o permutes per 16 values written, where a
// scalar load and store per value took 40 % of the kernel's time (0.085 of 0.2 ms for
// LeNet-5's conv1 on 32 images), and a gather per vector about as long.
class ChannelsLast {
 public:
  ChannelsLast(int64_t o, int64_t pixels, int64_t stride) {
    const int64_t values = o * pixels;
    const int64_t vectors = (values + kLanes - 1) / kLanes;
    for (int64_t v = 0; v < vectors; ++v) {
      first_.push_back(static_cast<int32_t>(parts_.size()));
      stores_.push_back(static_cast<int32_t>(std::min(kLanes, values - v * kLanes)));
      // Lanes grouped by the plane half they come from, in order of first use.
      for (int64_t j = 0; j < kLanes && v * kLanes + j < values; ++j) {
        const int64_t i = v * kLanes + j, c = i % o, p = i / o;
        const int32_t offset = static_cast<int32_t>(c * stride + (p / kLanes) * kLanes);
        Part* part = nullptr;
        for (size_t k = first_.back(); k < parts_.size(); ++k)
          if (parts_[k].offset == offset) part = &parts_[k];
        if (!part) {
          parts_.push_back(Part{offset, {}, 0});
          part = &parts_.back();
        }
        part->lane[j] = static_cast<int32_t>(p % kLanes);
        part->lanes |= 1u << j;
      }
    }
    first_.push_back(static_cast<int32_t>(parts_.size()));
  }

  void write(const float* planes, float* dst) const {
    for (size_t v = 0; v + 1 < first_.size(); ++v) {
      Vec::Reg out = Vec::set1(0.0f);
      for (int32_t k = first_[v]; k < first_[v + 1]; ++k) {
        const Part& part = parts_[k];
        out = Vec::permute_into(out, part.lanes, Vec::index(part.lane), Vec::load(planes + part.offset));
      }
      Vec::store(Vec::lanes(0, stores_[v]), dst + v * kLanes, out);
    }
  }

 private:
  struct Part {
    int32_t offset;              // of the plane half, in floats
    alignas(32) int32_t lane[kLanes];  // the half's lane each output lane takes
    uint32_t lanes;              // the output lanes this part fills
  };
  std::vector<Part> parts_;
  std::vector<int32_t> first_;  // output vector v's parts: [first_[v], first_[v + 1])
  std::vector<int32_t> stores_;  // the values output vector v holds
};

// The assembly for each run length a row of `width` values per channel has: `span` for
// every run but the last, and the remainder for a last shorter one; each made only where
// the row has such a run (a 28-pixel row has only the shorter one).
class RowAssembly {
 public:
  RowAssembly(int64_t o, int64_t width, int64_t span, int64_t stride) : span_(span) {
    if (width >= span) full_.emplace(o, span, stride);
    if (width % span) rest_.emplace(o, width % span, stride);
  }
  const ChannelsLast& operator()(int64_t count) const { return count == span_ ? *full_ : *rest_; }

 private:
  int64_t span_;
  std::optional<ChannelsLast> full_, rest_;
};

void forward_rows(const ConvGeometry& g, const float* src, const float* weight, const float* bias, float* dst) {
  const RowAssembly assembly(g.o, g.ow, kSpan, kSpan);
  alignas(64) Planes planes;
  for (int64_t n = 0; n < g.n; ++n) {
    const float* image = src + n * g.c * g.h * g.w;
    for (int64_t oy = 0; oy < g.oh; ++oy)
      for (int64_t ox0 = 0; ox0 < g.ow; ox0 += kSpan) {
        const int64_t pixels = std::min(kSpan, g.ow - ox0);
        row_segment(g, image, weight, bias, oy, ox0, pixels, g.relu, planes);
        assembly(pixels).write(&planes[0][0], dst + ((n * g.oh + oy) * g.ow + ox0) * g.o);
      }
  }
}

// Two output rows at a time, max-pooled 2x2 (then the ReLU: the same as before it, since
// max(0, ·) is monotone) into kLanes pooled pixels per channel before they are written.
void forward_pooled(const ConvGeometry& g, const float* src, const float* weight, const float* bias, float* dst) {
  const int64_t ph = g.oh / 2, pw = g.ow / 2;
  const RowAssembly assembly(g.o, pw, kLanes, kLanes);
  alignas(64) Planes top, bottom;
  alignas(64) float pooled[kMaxOut][kLanes];
  const Vec::Reg zero = Vec::set1(0.0f);
  for (int64_t n = 0; n < g.n; ++n) {
    const float* image = src + n * g.c * g.h * g.w;
    for (int64_t py = 0; py < ph; ++py)
      for (int64_t ox0 = 0; ox0 < 2 * pw; ox0 += kSpan) {
        const int64_t pixels = std::min(kSpan, g.ow - ox0);
        row_segment(g, image, weight, bias, 2 * py, ox0, pixels, false, top);
        row_segment(g, image, weight, bias, 2 * py + 1, ox0, pixels, false, bottom);
        for (int64_t o = 0; o < g.o; ++o) {
          const Vec::Reg lo = Vec::max(Vec::load(top[o]), Vec::load(bottom[o]));
          const Vec::Reg hi = Vec::max(Vec::load(top[o] + kLanes), Vec::load(bottom[o] + kLanes));
          const Vec::Reg p = Vec::pair_max(lo, hi);
          Vec::store(pooled[o], g.relu ? Vec::max(p, zero) : p);
        }
        const int64_t out = std::min(kLanes, pw - ox0 / 2);
        assembly(out).write(&pooled[0][0], dst + ((n * ph + py) * pw + ox0 / 2) * g.o);
      }
  }
}

}  // namespace

bool few_channel_conv_applies(const ConvGeometry& g) {
  return !g.bf16 && !g.sum && g.c <= kMaxIn && g.stride == 1 && g.dilation == 1 && g.o <= kMaxOut &&
         g.kw <= kMaxKernel;
}

void few_channel_conv_forward(const ConvGeometry& g, const float* src, const float* weight, const float* bias,
                              float* dst, bool max_pool2) {
  if (max_pool2) forward_pooled(g, src, weight, bias, dst);
  else forward_rows(g, src, weight, bias, dst);
}

#else

bool few_channel_conv_applies(const ConvGeometry&) { return false; }

void few_channel_conv_forward(const ConvGeometry&, const float*, const float*, const float*, float*, bool) {
  throw Error("few_channel_conv_forward needs AVX2 or AVX-512: callers check few_channel_conv_applies first");
}

#endif

}  // namespace nnlab::cpu::NNLAB_ISA
