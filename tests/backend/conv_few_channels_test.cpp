// nnlab's few-channel forward convolution against oneDNN's on the same geometry: 1 to 4 input
// channels, output channel counts odd and even up to 8, kernels 1 to 7 wide with and without
// padding, rows narrower than a vector, between one and two vectors, and wider than two;
// with the ReLU, and with the 2x2 max pool (odd sizes drop their last row and column).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/context.h"
#include "backend/cpu/conv_few_channels.h"
#include "nnlab/generator.h"
#include "tensor/layout.h"

namespace {

using namespace nnlab::cpu;

struct Case {
  int64_t c, o, k, padding, h, w;
};

ConvGeometry geometry(const Case& c) {
  ConvGeometry g{};
  g.n = 3, g.c = c.c, g.h = c.h, g.w = c.w, g.o = c.o, g.kh = g.kw = c.k;
  g.oh = c.h + 2 * c.padding - c.k + 1, g.ow = c.w + 2 * c.padding - c.k + 1;
  g.stride = 1, g.padding = c.padding, g.dilation = 1, g.bias = true;
  return g;
}

// oneDNN's output for the NCHW input x (it reads channels-last), relu'd where g.relu.
std::vector<float> reference(const ConvGeometry& g, const std::vector<float>& x, const std::vector<float>& w,
                             const std::vector<float>& b) {
  std::vector<float> nhwc(x.size()), out(g.n * g.o * g.oh * g.ow);
  nnlab::detail::nchw_to_nhwc(x.data(), nhwc.data(), g.n, g.c, g.h * g.w);
  conv2d_forward(g, nhwc.data(), WeightRef{w.data(), 0, 0}, b.data(), out.data(), false);
  return out;
}

// Channels-last y [n][oh][ow][o] max-pooled 2x2 at stride 2.
std::vector<float> pooled(const ConvGeometry& g, const std::vector<float>& y) {
  const int64_t ph = g.oh / 2, pw = g.ow / 2;
  std::vector<float> out(g.n * ph * pw * g.o);
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t py = 0; py < ph; ++py)
      for (int64_t px = 0; px < pw; ++px)
        for (int64_t o = 0; o < g.o; ++o) {
          float m = -INFINITY;
          for (int64_t dy = 0; dy < 2; ++dy)
            for (int64_t dx = 0; dx < 2; ++dx)
              m = std::max(m, y[((n * g.oh + 2 * py + dy) * g.ow + 2 * px + dx) * g.o + o]);
          out[((n * ph + py) * pw + px) * g.o + o] = m;
        }
  return out;
}

void expect_near(const std::vector<float>& mine, const std::vector<float>& theirs, const Case& c, const char* what) {
  ASSERT_EQ(mine.size(), theirs.size());
  for (size_t i = 0; i < mine.size(); ++i)
    ASSERT_NEAR(mine[i], theirs[i], 1e-5f) << what << ": c " << c.c << " o " << c.o << " k " << c.k << " padding "
                                           << c.padding << " " << c.h << "x" << c.w << " at " << i;
}

const Case kCases[] = {{1, 6, 5, 2, 28, 28}, {3, 6, 5, 0, 32, 32}, {1, 1, 3, 1, 7, 5},  {2, 3, 7, 3, 9, 40},
                       {3, 8, 3, 1, 12, 33}, {4, 5, 1, 0, 4, 17},  {1, 2, 5, 4, 6, 16}, {3, 7, 4, 1, 10, 31},
                       {1, 7, 3, 1, 11, 66}};

TEST(FewChannelConv, MatchesOneDnnOnEveryGeometry) {
  nnlab::Generator gen(7);
  for (const Case& c : kCases) {
    ConvGeometry g = geometry(c);
    if (!few_channel_conv_applies(g)) GTEST_SKIP() << "the kernels in use (NNLAB_MAX_ISA, or this CPU) have neither AVX2 nor AVX-512";
    std::vector<float> x(g.n * g.c * g.h * g.w), w(g.o * g.c * g.kh * g.kw), b(g.o);
    gen.fill_uniform(x, -1.0f, 1.0f);
    gen.fill_uniform(w, -0.5f, 0.5f);
    gen.fill_uniform(b, -0.2f, 0.2f);
    const std::vector<float> theirs = reference(g, x, w, b);
    std::vector<float> mine(theirs.size(), NAN);
    few_channel_conv_forward(g, x.data(), w.data(), b.data(), mine.data());
    expect_near(mine, theirs, c, "plain");
    // Without a bias.
    few_channel_conv_forward(g, x.data(), w.data(), nullptr, mine.data());
    std::vector<float> unbiased = theirs;
    for (size_t i = 0; i < unbiased.size(); ++i) unbiased[i] -= b[i % g.o];
    expect_near(mine, unbiased, c, "no bias");
    // With the ReLU.
    ConvGeometry r = g;
    r.relu = true;
    std::vector<float> relu = theirs;
    for (float& v : relu) v = std::max(v, 0.0f);
    few_channel_conv_forward(r, x.data(), w.data(), b.data(), mine.data());
    expect_near(mine, relu, c, "relu");
    // Max-pooled, with and without the ReLU.
    if (g.oh < 2 || g.ow < 2) continue;
    std::vector<float> pool(g.n * (g.oh / 2) * (g.ow / 2) * g.o, NAN);
    few_channel_conv_forward(g, x.data(), w.data(), b.data(), pool.data(), true);
    expect_near(pool, pooled(g, theirs), c, "max pool");
    few_channel_conv_forward(r, x.data(), w.data(), b.data(), pool.data(), true);
    expect_near(pool, pooled(g, relu), c, "relu, max pool");
  }
}

TEST(FewChannelConv, LeavesOtherGeometriesToOneDnn) {
  ConvGeometry g{};
  g.n = 1, g.c = 1, g.h = g.w = 8, g.o = 6, g.kh = g.kw = 3, g.oh = g.ow = 6;
  g.stride = 1, g.padding = 0, g.dilation = 1, g.bias = false;
  ConvGeometry five = g, strided = g, wide = g, bf16 = g, sum = g;
  five.c = 5;
  strided.stride = 2;
  wide.o = 9;
  bf16.bf16 = true;
  sum.sum = true;
  for (const ConvGeometry& other : {five, strided, wide, bf16, sum}) EXPECT_FALSE(few_channel_conv_applies(other));
}

}  // namespace
