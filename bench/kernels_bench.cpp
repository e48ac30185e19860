// nnlab's own hot kernels at the shapes the zoo runs them (batch 64): channels-last batch
// norm, NHWC max pooling, LeNet-5's convolution split over the batch and the MLP's sgemm.
#include <benchmark/benchmark.h>

#include <vector>

#include "backend/cpu/batch_norm_nhwc.h"
#include "backend/cpu/conv_batch_split.h"
#include "backend/cpu/context.h"
#include "backend/cpu/conv_backward_data_gemm.h"
#include "backend/cpu/conv_few_channels.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/max_pool.h"

namespace {

using namespace nnlab::cpu;

std::vector<float> filled(int64_t n, float v) { return std::vector<float>(static_cast<size_t>(n), v); }

// A convolution benchmark's GFLOP/s column: 2 flops per multiply-add of one pass.
void count_conv_flops(benchmark::State& st, const ConvGeometry& g) {
  const double flops = 2.0 * g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw;
  st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// resnet20 stage 1 (64x16x32x32) and stage 3 (64x64x8x8) batch norm, with fused ReLU.
void bn_forward(benchmark::State& st) {
  const BnRows g{64 * st.range(1) * st.range(1), st.range(0), 1e-5f};
  auto x = filled(g.rows * g.c, 0.3f), y = filled(g.rows * g.c, 0), m = filled(g.c, 0), v = filled(g.c, 0);
  for (int64_t i = 0; i < g.rows * g.c; ++i) x[i] = static_cast<float>(i % 97) * 0.01f;
  for (auto _ : st) bn_rows_forward_training(g, x.data(), nullptr, nullptr, y.data(), m.data(), v.data(), true);
  st.SetBytesProcessed(st.iterations() * g.rows * g.c * 4 * 4);  // three reads and a write
}
BENCHMARK(bn_forward)->Args({16, 32})->Args({64, 8})->Unit(benchmark::kMicrosecond);

void bn_backward(benchmark::State& st) {
  const BnRows g{64 * st.range(1) * st.range(1), st.range(0), 1e-5f};
  auto x = filled(g.rows * g.c, 0.3f), dy = filled(g.rows * g.c, 0.1f), y = filled(g.rows * g.c, 1.0f);
  auto dx = filled(g.rows * g.c, 0), m = filled(g.c, 0.2f), v = filled(g.c, 1.0f), dg = filled(g.c, 0),
       db = filled(g.c, 0);
  for (auto _ : st)
    bn_rows_backward(g, x.data(), dy.data(), y.data(), nullptr, m.data(), v.data(), dx.data(), dg.data(), db.data(),
                     true);
  st.SetBytesProcessed(st.iterations() * g.rows * g.c * 4 * 7);
}
BENCHMARK(bn_backward)->Args({16, 32})->Args({64, 8})->Unit(benchmark::kMicrosecond);

// LeNet-5 (6 channels, 28x28 → 14x14) and VGG (64 channels, 32x32 → 16x16) 2x2 max pooling.
void max_pool_nhwc(benchmark::State& st) {
  PoolGeometry g{};
  g.n = 64, g.c = st.range(0), g.h = g.w = st.range(1), g.oh = g.ow = st.range(1) / 2;
  g.kernel = g.stride = 2, g.padding = 0, g.max = true, g.channels_last = true;
  auto x = filled(g.n * g.c * g.h * g.w, 0), y = filled(g.n * g.c * g.oh * g.ow, 0);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 1013);
  std::vector<int32_t> idx(y.size());
  for (auto _ : st) max_pool2d_forward(g, x.data(), y.data(), idx.data());
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(x.size() + 2 * y.size()) * 4);
}
BENCHMARK(max_pool_nhwc)->Args({6, 28})->Args({64, 32})->Unit(benchmark::kMicrosecond);

// LeNet-5's first convolution (3 → 6 channels, 5x5, 32x32), backward-weights: oneDNN's own
// threading against the batch split over the threads (conv_batch_split.h). The im2col +
// GEMM path this replaced ran at 19 GFLOP/s on one thread where oneDNN runs at 41.
ConvGeometry lenet_conv1() {
  ConvGeometry g{};
  g.n = 64, g.c = 3, g.h = g.w = 32, g.o = 6, g.kh = g.kw = 5, g.oh = g.ow = 28;
  g.stride = 1, g.padding = 0, g.dilation = 1, g.bias = true;
  return g;
}

void lenet_conv1_backward_weights(benchmark::State& st) {
  const ConvGeometry g = lenet_conv1();
  auto x = filled(g.n * g.c * g.h * g.w, 0.5f), dy = filled(g.n * g.o * g.oh * g.ow, 0.2f);
  auto dw = filled(g.o * g.c * g.kh * g.kw, 0), db = filled(g.o, 0);
  const bool split = st.range(0) == 1;
  for (auto _ : st) {
    if (split) split_conv2d_backward_weights(g, x.data(), dy.data(), dw.data(), db.data());
    else conv2d_backward_weights(g, x.data(), dy.data(), dw.data(), db.data());
  }
  count_conv_flops(st, g);
  st.SetLabel(split ? "batch split" : "oneDNN threads");
}
BENCHMARK(lenet_conv1_backward_weights)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// First layers, forward on one thread's share of a batch of 64: range(0) 0 = oneDNN
// (brgconv), 1 = nnlab's few-channel kernel (conv_few_channels.h); range(1) the layer:
// 0 = LeNet-5's conv1 on Fashion-MNIST (1 -> 6 channels, 5x5, padding 2, 28x28), 1 = on
// CIFAR (3 -> 6, 5x5, 32x32), 2 = resnet20's (3 -> 16, 3x3, padding 1, 32x32).
void first_conv_forward(benchmark::State& st) {
  ConvGeometry g{};
  const int64_t layer = st.range(1);
  g.n = 32, g.c = layer == 0 ? 1 : 3, g.h = g.w = layer == 0 ? 28 : 32, g.o = layer == 2 ? 16 : 6;
  g.kh = g.kw = layer == 2 ? 3 : 5;
  g.padding = layer == 1 ? 0 : (layer == 0 ? 2 : 1);
  g.oh = g.ow = g.h + 2 * g.padding - g.kh + 1;
  g.stride = 1, g.dilation = 1, g.bias = true;
  auto x = filled(g.n * g.c * g.h * g.w, 0), w = filled(g.o * g.c * g.kh * g.kw, 0.01f), b = filled(g.o, 0.1f);
  auto y = filled(g.n * g.o * g.oh * g.ow, 0);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 255) / 255.0f;
  const bool own = st.range(0) == 1;
  ThreadLimit one(1);
  for (auto _ : st) {
    if (own) few_channel_conv_forward(g, x.data(), w.data(), b.data(), y.data());
    else conv2d_forward(g, x.data(), WeightRef{w.data(), 1, 0}, b.data(), y.data(), true);
  }
  count_conv_flops(st, g);
  st.SetLabel(own ? "nnlab few-channel" : "oneDNN");
}
BENCHMARK(first_conv_forward)->ArgsProduct({{0, 1}, {0, 1, 2}})->Unit(benchmark::kMicrosecond);

// LeNet-5's second convolution (6 -> 16 channels, 5x5, 14x14 -> 10x10), backward-data on one
// thread's share of a batch of 64: 0 = oneDNN, 1 = GEMM and col2im (conv_backward_data_gemm.h).
void lenet_conv2_backward_data(benchmark::State& st) {
  ConvGeometry g{};
  g.n = 32, g.c = 6, g.h = g.w = 14, g.o = 16, g.kh = g.kw = 5, g.oh = g.ow = 10;
  g.stride = 1, g.padding = 0, g.dilation = 1, g.bias = true;
  auto dy = filled(g.n * g.o * g.oh * g.ow, 0.2f), w = filled(g.o * g.c * g.kh * g.kw, 0.01f);
  auto dx = filled(g.n * g.c * g.h * g.w, 0);
  const bool gemm_path = st.range(0) == 1;
  ThreadLimit one(1);
  for (auto _ : st) {
    if (gemm_path) gemm_conv_backward_data(g, dy.data(), w.data(), dx.data());
    else conv2d_backward_data(g, dy.data(), WeightRef{w.data(), 1, 0}, dx.data());
  }
  count_conv_flops(st, g);
  st.SetLabel(gemm_path ? "GEMM + col2im" : "oneDNN");
}
BENCHMARK(lenet_conv2_backward_data)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// The MLP's first layer (3072 → 512) at batch 64: 0 = forward as nnlab's linear calls it
// (x·Wᵀ), 1 = the weight gradient (dYᵀ·x), 2 = the forward computed transposed (W·xᵀ),
// 3 = the forward with Wᵀ stored ([in, out]).
void sgemm_mlp(benchmark::State& st) {
  const int64_t m = 64, n = 512, k = 3072;
  auto x = filled(m * k, 0.1f), w = filled(n * k, 0.01f), y = filled(m * n, 0);
  const int64_t variant = st.range(0);
  for (auto _ : st) {
    if (variant == 0) gemm(false, true, m, n, k, 1.0f, x.data(), k, w.data(), k, 0.0f, y.data(), n);
    if (variant == 1) gemm(true, false, n, k, m, 1.0f, y.data(), n, x.data(), k, 0.0f, w.data(), k);
    if (variant == 2) gemm(false, true, n, m, k, 1.0f, w.data(), k, x.data(), k, 0.0f, y.data(), m);
    if (variant == 3) gemm(false, false, m, n, k, 1.0f, x.data(), k, w.data(), n, 0.0f, y.data(), n);
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(sgemm_mlp)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

}  // namespace
