// Backward-data as GEMM and col2im against oneDNN's on the same geometry: channel counts
// from 2 to 15, strides 1 and 2, with and without padding, kernels 1 to 5.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "backend/cpu/conv_backward_data_gemm.h"
#include "nnlab/generator.h"

namespace {

using namespace nnlab::cpu;

struct Case {
  int64_t c, o, k, stride, padding, h, w;
};

TEST(GemmConvBackwardData, MatchesOneDnnOnEveryGeometry) {
  const Case cases[] = {{6, 16, 5, 1, 0, 14, 14}, {2, 3, 3, 1, 1, 7, 9},  {15, 8, 3, 2, 1, 11, 10},
                        {3, 5, 1, 1, 0, 4, 6},    {7, 4, 5, 2, 2, 13, 12}, {4, 32, 4, 1, 3, 5, 8}};
  nnlab::Generator gen(11);
  for (const Case& c : cases) {
    ConvGeometry g{};
    g.n = 5, g.c = c.c, g.h = c.h, g.w = c.w, g.o = c.o, g.kh = g.kw = c.k;
    g.oh = (c.h + 2 * c.padding - c.k) / c.stride + 1, g.ow = (c.w + 2 * c.padding - c.k) / c.stride + 1;
    g.stride = c.stride, g.padding = c.padding, g.dilation = 1, g.bias = false;
    ASSERT_TRUE(gemm_conv_backward_data_applies(g));
    std::vector<float> dy(g.n * g.o * g.oh * g.ow), w(g.o * g.c * g.kh * g.kw);
    gen.fill_uniform(dy, -1.0f, 1.0f);
    gen.fill_uniform(w, -0.5f, 0.5f);
    std::vector<float> mine(g.n * g.c * g.h * g.w, NAN), theirs(mine.size(), NAN);
    gemm_conv_backward_data(g, dy.data(), w.data(), mine.data());
    conv2d_backward_data(g, dy.data(), WeightRef{w.data(), 0, 0}, theirs.data());
    for (size_t i = 0; i < mine.size(); ++i)
      ASSERT_NEAR(mine[i], theirs[i], 1e-4f) << "c " << c.c << " o " << c.o << " k " << c.k << " stride "
                                             << c.stride << " padding " << c.padding << " at " << i;
  }
}

TEST(GemmConvBackwardData, LeavesOtherGeometriesToOneDnn) {
  ConvGeometry g{};
  g.n = 1, g.c = 6, g.h = g.w = 8, g.o = 6, g.kh = g.kw = 3, g.oh = g.ow = 6;
  g.stride = 1, g.padding = 0, g.dilation = 1, g.bias = false;
  ConvGeometry one = g, many = g, dilated = g, bf16 = g;
  one.c = 1;
  many.c = 16;
  dilated.dilation = 2;
  bf16.bf16 = true;
  for (const ConvGeometry& other : {one, many, dilated, bf16}) EXPECT_FALSE(gemm_conv_backward_data_applies(other));
}

}  // namespace
