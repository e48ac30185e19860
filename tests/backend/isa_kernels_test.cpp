// Every instruction-set level of nnlab's own kernels against the baseline build, on the
// levels this CPU runs, whatever NNLAB_MAX_ISA says: the dispatched variants are called by
// their namespaces. Loops without reductions must agree to the last bit but where FMA
// contraction (AVX2 and up) rounds once instead of twice; reductions to float rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "backend/cpu/batch_norm_nhwc.h"
#include "backend/cpu/conv_backward_data_gemm.h"
#include "backend/cpu/conv_few_channels.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/isa.h"
#include "backend/cpu/max_pool.h"
#include "backend/cpu/optimizer_kernels.h"
#include "nnlab/generator.h"
#include "support/cli.h"

namespace {

using namespace nnlab::cpu;

// The variant of kernel `fn` built for level `isa`.
#define AT(isa, fn) ((isa) == Isa::Avx512 ? &avx512::fn : (isa) == Isa::Avx2 ? &avx2::fn : &baseline::fn)

std::vector<Isa> levels_here() {
  std::vector<Isa> out{Isa::Baseline};
  if (detected_isa() >= Isa::Avx2) out.push_back(Isa::Avx2);
  if (detected_isa() >= Isa::Avx512) out.push_back(Isa::Avx512);
  return out;
}

std::vector<float> random(int64_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> v(static_cast<size_t>(n));
  nnlab::Generator(seed).fill_uniform(v, lo, hi);
  return v;
}

void expect_close(const std::vector<float>& want, const std::vector<float>& got, double rel, const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  double scale = 1e-30;
  for (float v : want) scale = std::max(scale, static_cast<double>(std::abs(v)));
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got[i], want[i], rel * scale) << what << " at " << i;
}

// Runs `f` (filling its output) at every level and compares each with the baseline's.
template <class F>
void across_levels(const std::string& what, double rel, F&& f) {
  std::vector<float> base = f(Isa::Baseline);
  for (Isa isa : levels_here()) {
    if (isa == Isa::Baseline) continue;
    expect_close(base, f(isa), rel, what + " at " + isa_name(isa));
  }
}

TEST(Isa, ActiveLevelIsTheCappedCpuLevel) {
  EXPECT_LE(active_isa(), detected_isa());
  EXPECT_STREQ(isa_name(Isa::Avx512), "avx512");
  EXPECT_STREQ(isa_name(Isa::Avx2), "avx2");
  EXPECT_STREQ(isa_name(Isa::Baseline), "baseline");
}

TEST(Isa, InfoPrintsBothLevelsAndTheCapApplies) {
  using nnlab::testing::run_cli;
  auto plain = run_cli("info");
  ASSERT_EQ(plain.code, 0) << plain.err;
  // The program inherits this process's environment, NNLAB_MAX_ISA included.
  const std::string levels = std::string("nnlab kernels: ") + isa_name(active_isa()) + " (this CPU: " +
                             isa_name(detected_isa()) + ")";
  EXPECT_NE(plain.out.find(levels), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("oneDNN"), std::string::npos) << plain.out;
  auto capped = run_cli("info", "NNLAB_MAX_ISA=baseline ONEDNN_MAX_CPU_ISA=SSE41");
  ASSERT_EQ(capped.code, 0) << capped.err;
  EXPECT_NE(capped.out.find("nnlab kernels: baseline"), std::string::npos) << capped.out;
  EXPECT_NE(capped.out.find("generic x86-64"), std::string::npos) << capped.out;
  auto bad = run_cli("info", "NNLAB_MAX_ISA=avx1024");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("NNLAB_MAX_ISA='avx1024'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("avx512, avx2 or baseline"), std::string::npos) << bad.err;
}

TEST(IsaKernels, ElementwiseAgreeAcrossLevels) {
  const int64_t n = 1000;  // not a multiple of any vector width: the tails run too
  const auto a = random(n, 1), b = random(n, 2, 0.5f, 2.0f), pos = random(n, 3, 0.1f, 3.0f);
  across_levels("add, sub, mul, div", 0, [&](Isa isa) {
    std::vector<float> out(4 * n);
    AT(isa, add)(out.data(), a.data(), b.data(), n);
    AT(isa, sub)(out.data() + n, a.data(), b.data(), n);
    AT(isa, mul)(out.data() + 2 * n, a.data(), b.data(), n);
    AT(isa, div)(out.data() + 3 * n, a.data(), b.data(), n);
    return out;
  });
  for (UnaryOp u : {UnaryOp::Square, UnaryOp::Exp, UnaryOp::Log})
    across_levels("unary", 1e-6, [&](Isa isa) {
      std::vector<float> out(n);
      AT(isa, unary)(u, out.data(), u == UnaryOp::Log ? pos.data() : a.data(), n);
      return out;
    });
  across_levels("leaky_relu and its backward, axpy, moving average", 1e-6, [&](Isa isa) {
    std::vector<float> f(n), g(n), acc = b, avg = b;
    AT(isa, leaky_relu)(f.data(), a.data(), 0.1f, n);
    AT(isa, leaky_relu_backward)(g.data(), b.data(), a.data(), 0.1f, n);
    AT(isa, axpy)(acc.data(), 0.3f, a.data(), n);
    AT(isa, moving_average)(avg.data(), a.data(), 0.9f, n);
    f.insert(f.end(), g.begin(), g.end());
    f.insert(f.end(), acc.begin(), acc.end());
    f.insert(f.end(), avg.begin(), avg.end());
    return f;
  });
  across_levels("sum and sum of squares", 1e-12, [&](Isa isa) {
    const double s = AT(isa, sum)(a.data(), n), q = AT(isa, sum_squares)(a.data(), n);
    return std::vector<float>{static_cast<float>(s), static_cast<float>(q)};
  });
}

TEST(IsaKernels, MaxPoolAgreesAcrossLevelsTiesAndNanIncluded) {
  for (bool channels_last : {true, false}) {
    PoolGeometry g{};
    g.n = 2, g.c = 19, g.h = 9, g.w = 7, g.kernel = 3, g.stride = 2, g.padding = 1;
    g.oh = (g.h + 2 * g.padding - g.kernel) / g.stride + 1, g.ow = (g.w + 2 * g.padding - g.kernel) / g.stride + 1;
    g.channels_last = channels_last;
    auto x = random(g.n * g.c * g.h * g.w, 4);
    for (size_t i = 0; i < x.size(); i += 5) x[i] = 0.25f;  // ties
    x[17] = NAN;
    const auto dy = random(g.n * g.c * g.oh * g.ow, 5);
    across_levels(channels_last ? "max pool NHWC" : "max pool NCHW", 0, [&](Isa isa) {
      std::vector<float> y(dy.size()), dx(x.size());
      std::vector<int32_t> arg(dy.size());
      AT(isa, max_pool2d_forward)(g, x.data(), y.data(), arg.data());
      AT(isa, max_pool2d_backward)(g, dy.data(), arg.data(), dx.data());
      for (float& v : y) v = std::isnan(v) ? -12345.0f : v;  // NaN positions must agree too
      y.insert(y.end(), dx.begin(), dx.end());
      for (int32_t i : arg) y.push_back(static_cast<float>(i));
      return y;
    });
  }
}

TEST(IsaKernels, BatchNormAgreesAcrossLevels) {
  const BnRows g{37, 21, 1e-5f};  // rows not a multiple of the 16-row blocks, channels of no vector width
  const auto x = random(g.rows * g.c, 6, -2, 3), dy = random(g.rows * g.c, 7), gamma = random(g.c, 8, 0.5f, 1.5f),
             beta = random(g.c, 9);
  for (bool relu : {false, true})
    across_levels(relu ? "batch norm with ReLU" : "batch norm", 1e-5, [&](Isa isa) {
      std::vector<float> y(x.size()), mean(g.c), var(g.c), yi(x.size()), dx(x.size());
      std::vector<double> sum(g.c), centred(g.c), sums(2 * g.c);
      AT(isa, bn_rows_moments)(g, x.data(), sum.data(), centred.data(), mean.data());
      for (int64_t c = 0; c < g.c; ++c) var[c] = static_cast<float>(centred[c] / static_cast<double>(g.rows));
      AT(isa, bn_rows_forward_inference)(g, x.data(), gamma.data(), beta.data(), mean.data(), var.data(), yi.data(),
                                          relu);
      AT(isa, bn_rows_backward_sums)(g, x.data(), dy.data(), yi.data(), mean.data(), sums.data(), relu);
      AT(isa, bn_rows_backward_data)(g, x.data(), dy.data(), yi.data(), gamma.data(), mean.data(), var.data(),
                                     sums.data(), static_cast<double>(g.rows), dx.data(), relu);
      y = yi;
      std::vector<float> sums_f(sums.begin(), sums.end());
      for (auto* part : {&mean, &var, &dx, &sums_f}) y.insert(y.end(), part->begin(), part->end());
      return y;
    });
}

TEST(IsaKernels, OptimizerUpdatesAgreeAcrossLevels) {
  const int64_t n = 333;
  const auto p0 = random(n, 10), g = random(n, 11), s0 = random(n, 12, 0.0f, 0.5f);
  across_levels("optimizer updates", 1e-6, [&](Isa isa) {
    std::vector<float> p1 = p0, p2 = p0, v2(n, 0.1f), p3 = p0, m3(n, 0.2f), v3 = s0, vmax = s0, p4 = p0, sq = s0,
                       avg(n, 0.01f), buf(n, 0.3f), p5 = p0, sum = s0;
    const SgdScalars sgd{0.1f, 1e-4f, 0.999f, 0.9f, 0.9f, 0.9f, true};
    const AdamScalars adam{0.9f, 0.1f, 0.999f, 0.001f, 0.01f, 0.3f, 1e-8f, 1e-4f, 1.0f};
    const RMSpropScalars rms{0.01f, 0.99f, 0.01f, 1e-8f, 1e-4f, 0.9f};
    AT(isa, sgd_update)(sgd, p1.data(), g.data(), n);
    AT(isa, sgd_momentum_update)(sgd, p2.data(), g.data(), v2.data(), n);
    AT(isa, adam_update)(adam, p3.data(), g.data(), m3.data(), v3.data(), vmax.data(), n);
    AT(isa, rmsprop_update)(rms, p4.data(), g.data(), sq.data(), avg.data(), buf.data(), n);
    AT(isa, adagrad_update)(0.01f, 1e-4f, 1e-10f, p5.data(), g.data(), sum.data(), n);
    for (auto* part : {&p2, &v2, &p3, &m3, &v3, &vmax, &p4, &sq, &avg, &buf, &p5, &sum})
      p1.insert(p1.end(), part->begin(), part->end());
    return p1;
  });
}

TEST(IsaKernels, ColumnGemmBackwardDataAgreesAcrossLevels) {
  ConvGeometry g{};
  g.n = 2, g.c = 6, g.h = 14, g.w = 14, g.o = 16, g.kh = g.kw = 5, g.oh = g.ow = 10;
  g.stride = 1, g.padding = 0, g.dilation = 1, g.bias = false;
  ASSERT_TRUE(gemm_conv_backward_data_applies(g));
  const auto dy = random(g.n * g.oh * g.ow * g.o, 13), w = random(g.o * g.c * g.kh * g.kw, 14);
  across_levels("gemm backward data", 1e-5, [&](Isa isa) {
    std::vector<float> dx(g.n * g.h * g.w * g.c);
    AT(isa, gemm_conv_backward_data)(g, dy.data(), w.data(), dx.data());
    return dx;
  });
}

TEST(IsaKernels, FewChannelConvolutionIsOnlyClaimedWhereItRuns) {
  ConvGeometry g{};
  g.n = 1, g.c = 1, g.h = g.w = 28, g.o = 6, g.kh = g.kw = 5, g.oh = g.ow = 28;
  g.stride = 1, g.padding = 2, g.dilation = 1, g.bias = true;
  EXPECT_FALSE(baseline::few_channel_conv_applies(g));
  EXPECT_TRUE(avx2::few_channel_conv_applies(g));
  EXPECT_TRUE(avx512::few_channel_conv_applies(g));
  EXPECT_EQ(few_channel_conv_applies(g), active_isa() != Isa::Baseline);
}

TEST(IsaKernels, FewChannelConvolutionAgreesWithOneDnnAtEveryLevel) {
  for (int64_t w : {28, 13, 40}) {  // rows of 2 AVX-512 vectors, under one AVX2 vector, over two
    ConvGeometry g{};
    g.n = 2, g.c = 1, g.h = 11, g.w = w, g.o = 7, g.kh = g.kw = 5, g.oh = 11, g.ow = w;
    g.stride = 1, g.padding = 2, g.dilation = 1, g.bias = true;
    const auto x = random(g.n * g.h * g.w, 15), wt = random(g.o * 25, 16), b = random(g.o, 17);
    std::vector<float> want(g.n * g.oh * g.ow * g.o);
    conv2d_forward(g, x.data(), WeightRef{wt.data(), 0, 0}, b.data(), want.data(), false);
    for (Isa isa : levels_here()) {
      if (isa == Isa::Baseline) continue;
      std::vector<float> got(want.size());
      AT(isa, few_channel_conv_forward)(g, x.data(), wt.data(), b.data(), got.data(), false);
      expect_close(want, got, 1e-6, std::string("few-channel convolution at ") + isa_name(isa));
    }
  }
}

}  // namespace
