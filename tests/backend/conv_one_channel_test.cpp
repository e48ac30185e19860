// nnlab's one-channel forward convolution against oneDNN's on the same geometry: output
// channel counts odd and even up to 16, kernels 1 to 7 wide with and without padding, and
// rows narrower than a vector, between one and two vectors, and wider than two.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "backend/cpu/context.h"
#include "backend/cpu/conv_one_channel.h"
#include "nnlab/generator.h"

namespace {

using namespace nnlab::cpu;

struct Case {
  int64_t o, k, padding, h, w;
};

TEST(OneChannelConv, MatchesOneDnnOnEveryGeometry) {
  const Case cases[] = {{6, 5, 2, 28, 28}, {6, 5, 0, 32, 32}, {1, 3, 1, 7, 5},  {3, 7, 3, 9, 40},
                        {16, 3, 1, 12, 33}, {5, 1, 0, 4, 17},  {2, 5, 4, 6, 16}, {9, 4, 1, 10, 31}};
  nnlab::Generator gen(7);
  for (const Case& c : cases) {
    ConvGeometry g{};
    g.n = 3, g.c = 1, g.h = c.h, g.w = c.w, g.o = c.o, g.kh = g.kw = c.k;
    g.oh = c.h + 2 * c.padding - c.k + 1, g.ow = c.w + 2 * c.padding - c.k + 1;
    g.stride = 1, g.padding = c.padding, g.dilation = 1, g.bias = true;
    if (!one_channel_conv_applies(g)) GTEST_SKIP() << "the kernels in use (NNLAB_MAX_ISA, or this CPU) have neither AVX2 nor AVX-512";
    std::vector<float> x(g.n * g.h * g.w), w(g.o * g.kh * g.kw), b(g.o);
    gen.fill_uniform(x, -1.0f, 1.0f);
    gen.fill_uniform(w, -0.5f, 0.5f);
    gen.fill_uniform(b, -0.2f, 0.2f);
    std::vector<float> mine(g.n * g.o * g.oh * g.ow, NAN), theirs(mine.size(), NAN);
    one_channel_conv_forward(g, x.data(), w.data(), b.data(), mine.data());
    conv2d_forward(g, x.data(), WeightRef{w.data(), 0, 0}, b.data(), theirs.data(), false);
    for (size_t i = 0; i < mine.size(); ++i)
      ASSERT_NEAR(mine[i], theirs[i], 1e-5f) << "o " << c.o << " k " << c.k << " padding " << c.padding << " "
                                             << c.h << "x" << c.w << " at " << i;
    // Without a bias.
    one_channel_conv_forward(g, x.data(), w.data(), nullptr, mine.data());
    for (size_t i = 0; i < mine.size(); ++i) ASSERT_NEAR(mine[i], theirs[i] - b[i % g.o], 1e-5f) << i;
  }
}

TEST(OneChannelConv, LeavesOtherGeometriesToOneDnn) {
  ConvGeometry g{};
  g.n = 1, g.c = 1, g.h = g.w = 8, g.o = 6, g.kh = g.kw = 3, g.oh = g.ow = 6;
  g.stride = 1, g.padding = 0, g.dilation = 1, g.bias = false;
  ConvGeometry three = g, strided = g, wide = g, bf16 = g;
  three.c = 3;
  strided.stride = 2;
  wide.o = 17;
  bf16.bf16 = true;
  for (const ConvGeometry& other : {three, strided, wide, bf16}) EXPECT_FALSE(one_channel_conv_applies(other));
}

}  // namespace
