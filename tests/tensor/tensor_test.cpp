#include <gtest/gtest.h>

#include "nnlab/error.h"
#include "nnlab/generator.h"
#include "nnlab/tensor.h"

using namespace nnlab;

TEST(Tensor, FactoriesAndShape) {
  Tensor t = Tensor::zeros({2, 3, 4});
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.dim(), 3);
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_EQ(t.strides(), (Shape{12, 4, 1}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u);
  EXPECT_THROW(t.size(3), ShapeError);
  EXPECT_THROW(Tensor::from_data({2, 2}, std::vector<float>{1, 2, 3}), ShapeError);
}

TEST(Tensor, ViewsShareStorage) {
  Tensor t = Tensor::from_data({2, 3}, std::vector<float>{0, 1, 2, 3, 4, 5});
  Tensor v = t.view({3, 2});
  v.data()[0] = 10;
  EXPECT_EQ(t.at({0, 0}), 10);
  Tensor tr = t.transpose(0, 1);
  EXPECT_FALSE(tr.is_contiguous());
  EXPECT_EQ(tr.at({2, 1}), 5);
  EXPECT_THROW(tr.data(), Error);
  EXPECT_EQ(tr.contiguous().to_vector(), (std::vector<float>{10, 3, 1, 4, 2, 5}));
  Tensor row = t.select(1);
  EXPECT_EQ(row.to_vector(), (std::vector<float>{3, 4, 5}));
  EXPECT_EQ(t.view({-1}).shape(), (Shape{6}));
  EXPECT_THROW(t.view({4, -1}), ShapeError);
}

TEST(Tensor, VersionCountsInPlaceWrites) {
  Tensor t = Tensor::zeros({3});
  Tensor v = t.view({3});
  uint64_t before = t.version();
  v.fill_(2);
  EXPECT_EQ(t.version(), before + 1);
}

TEST(Generator, SameSeedSameNumbersAnySplit) {
  Generator a(42), b(42);
  std::vector<float> x(100000), y(100000);
  a.fill_normal(x, 0, 1);
  // The same numbers when drawn in two pieces: element i depends on seed and position only.
  b.fill_normal(std::span<float>(y).first(50000), 0, 1);
  b.fill_normal(std::span<float>(y).subspan(50000), 0, 1);
  EXPECT_EQ(x, y);
  double mean = 0, var = 0;
  for (float v : x) mean += v;
  mean /= x.size();
  for (float v : x) var += (v - mean) * (v - mean);
  var /= x.size();
  EXPECT_NEAR(mean, 0.0, 0.02);
  EXPECT_NEAR(var, 1.0, 0.02);
  Generator c(43);
  EXPECT_NE(c.next_u64(), Generator(42).next_u64());
}
