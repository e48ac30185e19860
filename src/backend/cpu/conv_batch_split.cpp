#include "backend/cpu/conv_batch_split.h"

#include "backend/cpu/context.h"
#include "backend/cpu/conv_backward_data_gemm.h"
#include "backend/cpu/conv_few_channels.h"
#include "nnlab/error.h"

#include <omp.h>

#include <algorithm>
#include <vector>

namespace nnlab::cpu {

namespace {

int64_t in_image(const ConvGeometry& g) { return g.c * g.h * g.w; }
int64_t out_image(const ConvGeometry& g) { return g.o * g.oh * g.ow; }
// Bytes per element of the input and output gradient as passed (bfloat16 in bf16 mode).
int64_t in_bytes(const ConvGeometry& g) { return g.bf16 ? 2 : 4; }

const void* advance(const void* p, int64_t bytes) { return static_cast<const char*>(p) + bytes; }

// Winograd layers run on the whole batch with oneDNN's threads instead: its kernels are long
// enough that their barriers cost little, and each thread of a split transformed the weights
// into its own scratch (vgg16's 512-channel layers: 2 x 89 MB against 131 MB in all for
// backward-weights at batch 64), at the same speed or slower (nnlab/conv_algorithm.h).
bool split(const ConvGeometry& g, bool training) { return !conv2d_forward_is_winograd(g, training); }

// f(share geometry, first image, thread) once per thread; images split in contiguous shares.
template <class F>
void over_shares(const ConvGeometry& g, bool training, F&& f) {
  const int nt = static_cast<int>(std::min<int64_t>(split(g, training) ? omp_get_max_threads() : 1, g.n));
  if (nt <= 1) return f(g, int64_t{0}, 0);
#pragma omp parallel num_threads(nt)
  {
    // oneDNN builds and runs the kernels for one thread (onednn_conv.cpp keys them by count).
    ThreadLimit one(1);
    const int t = omp_get_thread_num(), n = omp_get_num_threads();
    const int64_t first = g.n * t / n, last = g.n * (t + 1) / n;
    ConvGeometry share = g;
    share.n = last - first;
    if (share.n > 0) f(share, first, t);
  }
}

}  // namespace

bool split_conv2d_is_few_channel(const ConvGeometry& g) { return few_channel_conv_applies(g); }

void split_conv2d_forward(const ConvGeometry& g, const void* src, WeightRef weight, const float* bias, float* dst,
                          bool training, bool max_pool2) {
  const bool few_channels = few_channel_conv_applies(g);
  if (max_pool2 && !few_channels)
    throw Error("split_conv2d_forward: the fused max pool is for geometries few_channel_conv_applies takes");
  const int64_t out_per_image = max_pool2 ? g.o * (g.oh / 2) * (g.ow / 2) : out_image(g);
  over_shares(g, training, [&](const ConvGeometry& s, int64_t first, int) {
    const void* x = advance(src, first * in_image(g) * in_bytes(g));
    float* y = dst + first * out_per_image;
    if (few_channels) few_channel_conv_forward(s, static_cast<const float*>(x), weight.data, bias, y, max_pool2);
    else conv2d_forward(s, x, weight, bias, y, training);
  });
}

void split_conv2d_backward_data(const ConvGeometry& g, const void* diff_dst, WeightRef weight, float* diff_src) {
  const bool gemm_path = gemm_conv_backward_data_applies(g);
  over_shares(g, true, [&](const ConvGeometry& s, int64_t first, int) {
    const void* dy = advance(diff_dst, first * out_image(g) * in_bytes(g));
    float* dx = diff_src + first * in_image(g);
    if (gemm_path) gemm_conv_backward_data(s, static_cast<const float*>(dy), weight.data, dx);
    else conv2d_backward_data(s, dy, weight, dx);
  });
}

void split_conv2d_backward_weights(const ConvGeometry& g, const void* src, const void* diff_dst, float* diff_weight,
                                   float* diff_bias) {
  const int nt = static_cast<int>(std::min<int64_t>(split(g, true) ? omp_get_max_threads() : 1, g.n));
  if (nt <= 1) return conv2d_backward_weights(g, src, diff_dst, diff_weight, diff_bias);
  const int64_t nw = g.o * g.c * g.kh * g.kw, width = nw + (g.bias ? g.o : 0);
  // Thread 0 writes the outputs; the others their partial sums, added afterwards in order.
  std::vector<float> partial(static_cast<size_t>((nt - 1) * width));
  over_shares(g, true, [&](const ConvGeometry& s, int64_t first, int t) {
    float* dw = t == 0 ? diff_weight : partial.data() + (t - 1) * width;
    float* db = g.bias ? (t == 0 ? diff_bias : dw + nw) : nullptr;
    conv2d_backward_weights(s, advance(src, first * in_image(g) * in_bytes(g)),
                            advance(diff_dst, first * out_image(g) * in_bytes(g)), dw, db);
  });
  for (int t = 1; t < nt; ++t) {
    const float* p = partial.data() + (t - 1) * width;
#pragma omp simd
    for (int64_t i = 0; i < nw; ++i) diff_weight[i] += p[i];
    if (g.bias)
      for (int64_t i = 0; i < g.o; ++i) diff_bias[i] += p[nw + i];
  }
}

}  // namespace nnlab::cpu
