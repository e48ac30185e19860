// Convolution forward and backward through oneDNN per activation layout: channels-last
// (NHWC) and oneDNN's blocked nChw16c, and nnlab's backend (NHWC with its weight cache).
// Shapes are layers of resnet20 and vgg at batch 64. Measured before nnlab moved to NHWC,
// its NCHW path with reorders inside each call ran the resnet20 stage-1 layer forward at
// 129 GFLOP/s where raw NHWC ran at 205 (2 threads, loaded machine).
#include <benchmark/benchmark.h>

#include <dnnl.hpp>
#include <vector>

#include "backend/cpu/context.h"
#include "backend/cpu/onednn_conv.h"
#include "nnlab/tensor.h"

namespace {

using namespace dnnl;
using tag = memory::format_tag;

struct Layer {
  int64_t n, c, o, hw, k, s, p;
};
const Layer kLayers[] = {
    {64, 16, 16, 32, 3, 1, 1},  // resnet20 stage 1
    {64, 64, 64, 8, 3, 1, 1},   // resnet20 stage 3
    {64, 64, 64, 32, 3, 1, 1},  // vgg16 block 1 / resnet18 stage 1
    {64, 256, 256, 8, 3, 1, 1}, // vgg16 block 3
    {64, 512, 512, 2, 3, 1, 1}, // vgg16 block 5
    {64, 3, 16, 32, 3, 1, 1},   // resnet20 stem
    {64, 3, 6, 32, 5, 1, 0},    // lenet5 conv1 (3x32x32)
    {64, 6, 16, 14, 5, 1, 0},   // lenet5 conv2
};

enum Pass { kFwd, kBwdData, kBwdWeights };

// Raw oneDNN with the activations in `act` layout and weights in the primitive's choice.
void raw(benchmark::State& st, tag act, Pass pass) {
  const Layer L = kLayers[st.range(0)];
  const int64_t oh = (L.hw + 2 * L.p - L.k) / L.s + 1;
  memory::dims src{L.n, L.c, L.hw, L.hw}, wei{L.o, L.c, L.k, L.k}, dst{L.n, L.o, oh, oh};
  memory::dims strides{L.s, L.s}, pad{L.p, L.p}, dil{0, 0};
  auto f32 = memory::data_type::f32;
  memory::desc s_md(src, f32, act), d_md(dst, f32, act), w_any(wei, f32, tag::any);
  auto& eng = nnlab::cpu::engine();
  auto& strm = nnlab::cpu::stream();
  convolution_forward::desc fd(prop_kind::forward_training, algorithm::convolution_direct, s_md, w_any, d_md, strides,
                               dil, pad, pad);
  convolution_forward::primitive_desc fpd(fd, eng);
  memory s(fpd.src_desc(), eng), w(fpd.weights_desc(), eng), d(fpd.dst_desc(), eng);
  std::fill_n(static_cast<float*>(s.get_data_handle()), fpd.src_desc().get_size() / 4, 0.5f);
  std::fill_n(static_cast<float*>(w.get_data_handle()), fpd.weights_desc().get_size() / 4, 0.01f);
  std::fill_n(static_cast<float*>(d.get_data_handle()), fpd.dst_desc().get_size() / 4, 0.1f);
  primitive prim;
  std::string impl = fpd.impl_info_str();
  std::unordered_map<int, memory> args;
  if (pass == kFwd) {
    prim = convolution_forward(fpd);
    args = {{DNNL_ARG_SRC, s}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, d}};
  } else if (pass == kBwdData) {
    convolution_backward_data::desc bd(algorithm::convolution_direct, s_md, w_any, d_md, strides, dil, pad, pad);
    convolution_backward_data::primitive_desc bpd(bd, eng, fpd);
    memory w2(bpd.weights_desc(), eng), ds(bpd.diff_src_desc(), eng);
    std::fill_n(static_cast<float*>(w2.get_data_handle()), bpd.weights_desc().get_size() / 4, 0.01f);
    prim = convolution_backward_data(bpd);
    impl = bpd.impl_info_str();
    args = {{DNNL_ARG_DIFF_DST, d}, {DNNL_ARG_WEIGHTS, w2}, {DNNL_ARG_DIFF_SRC, ds}};
  } else {
    convolution_backward_weights::desc bd(algorithm::convolution_direct, s_md, w_any, d_md, strides, dil, pad, pad);
    convolution_backward_weights::primitive_desc bpd(bd, eng, fpd);
    memory dw(bpd.diff_weights_desc(), eng);
    prim = convolution_backward_weights(bpd);
    impl = bpd.impl_info_str();
    args = {{DNNL_ARG_SRC, s}, {DNNL_ARG_DIFF_DST, d}, {DNNL_ARG_DIFF_WEIGHTS, dw}};
  }
  for (auto _ : st) {
    prim.execute(strm, args);
    strm.wait();
  }
  const double flops = 2.0 * L.n * L.o * oh * oh * L.c * L.k * L.k;
  st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(impl);
}

// nnlab's backend kernels: NHWC activations, OIHW weights reordered once per weight version.
void nnlab_backend(benchmark::State& st, Pass pass) {
  const Layer L = kLayers[st.range(0)];
  nnlab::cpu::ConvGeometry g{};
  g.n = L.n, g.c = L.c, g.h = g.w = L.hw, g.o = L.o, g.kh = g.kw = L.k;
  g.oh = g.ow = (L.hw + 2 * L.p - L.k) / L.s + 1;
  g.stride = L.s, g.padding = L.p, g.dilation = 1, g.bias = false;
  auto x = nnlab::Tensor::full({g.n, g.c, g.h, g.w}, 0.5f), w = nnlab::Tensor::full({g.o, g.c, g.kh, g.kw}, 0.01f);
  auto y = nnlab::Tensor::full({g.n, g.o, g.oh, g.ow}, 0.1f);
  auto gx = nnlab::Tensor::empty(x.shape()), gw = nnlab::Tensor::empty(w.shape());
  for (auto _ : st) {
    const nnlab::cpu::WeightRef wr{w.data(), 1, 0};
    if (pass == kFwd) nnlab::cpu::conv2d_forward(g, x.data(), wr, nullptr, y.data(), true);
    if (pass == kBwdData) nnlab::cpu::conv2d_backward_data(g, y.data(), wr, gx.data());
    if (pass == kBwdWeights) nnlab::cpu::conv2d_backward_weights(g, x.data(), y.data(), gw.data(), nullptr);
  }
  const double flops = 2.0 * L.n * L.o * g.oh * g.ow * L.c * L.k * L.k;
  st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void args(benchmark::internal::Benchmark* b) {
  for (int i = 0; i < static_cast<int>(std::size(kLayers)); ++i) b->Arg(i);
  b->Unit(benchmark::kMicrosecond)->MinTime(0.3);
}

BENCHMARK_CAPTURE(nnlab_backend, fwd, kFwd)->Apply(args);
BENCHMARK_CAPTURE(raw, nchw_fwd, tag::nchw, kFwd)->Apply(args);
BENCHMARK_CAPTURE(raw, nhwc_fwd, tag::nhwc, kFwd)->Apply(args);
BENCHMARK_CAPTURE(raw, blocked_fwd, tag::nChw16c, kFwd)->Apply(args);
BENCHMARK_CAPTURE(nnlab_backend, bwd_data, kBwdData)->Apply(args);
BENCHMARK_CAPTURE(raw, nchw_bwd_data, tag::nchw, kBwdData)->Apply(args);
BENCHMARK_CAPTURE(raw, nhwc_bwd_data, tag::nhwc, kBwdData)->Apply(args);
BENCHMARK_CAPTURE(raw, blocked_bwd_data, tag::nChw16c, kBwdData)->Apply(args);
BENCHMARK_CAPTURE(nnlab_backend, bwd_weights, kBwdWeights)->Apply(args);
BENCHMARK_CAPTURE(raw, nchw_bwd_weights, tag::nchw, kBwdWeights)->Apply(args);
BENCHMARK_CAPTURE(raw, nhwc_bwd_weights, tag::nhwc, kBwdWeights)->Apply(args);
BENCHMARK_CAPTURE(raw, blocked_bwd_weights, tag::nChw16c, kBwdWeights)->Apply(args);

}  // namespace

