#include <gtest/gtest.h>

#include <cmath>

#include "data/fixtures.h"
#include "nnlab/data/transforms.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;

namespace {

Dataset images(int64_t n, int64_t c, int64_t h, int64_t w) {
  Dataset d;
  d.name = "synthetic";
  d.channels = c;
  d.height = h;
  d.width = w;
  d.num_classes = 2;
  d.class_names = {"a", "b"};
  for (int64_t i = 0; i < n; ++i) {
    d.labels.push_back(static_cast<int32_t>(i % 2));
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) d.pixels.push_back(pixel_value(i, ch, y, x));
  }
  return d;
}

Dataset table(std::vector<float> values, int64_t features) {
  Dataset d;
  d.name = "table";
  d.num_features = features;
  d.features = std::move(values);
  d.labels.assign(d.features.size() / features, 0);
  d.num_classes = 1;
  d.class_names = {"only"};
  return d;
}

}  // namespace

TEST(Transforms, NormalizationOfImagesIsPerChannelInUnitRange) {
  Dataset d = images(1, 2, 1, 2);
  d.pixels = {0, 255, 51, 51};  // channel 0: 0 and 1; channel 1: 0.2 and 0.2
  Normalization n = compute_normalization(d);
  ASSERT_EQ(n.mean.size(), 2u);
  EXPECT_FLOAT_EQ(n.mean[0], 0.5f);
  EXPECT_FLOAT_EQ(n.std[0], 0.5f);
  EXPECT_FLOAT_EQ(n.mean[1], 0.2f);
  EXPECT_FLOAT_EQ(n.std[1], 1.0f);  // constant: std 1 instead of a division by zero
}

TEST(Transforms, StandardizeTabularFeaturesWithTrainStats) {
  Dataset train = table({1, 10, 3, 10, 5, 10}, 2);
  Normalization n = compute_normalization(train);
  EXPECT_FLOAT_EQ(n.mean[0], 3.0f);
  EXPECT_FLOAT_EQ(n.std[0], std::sqrt(8.0f / 3.0f));
  EXPECT_FLOAT_EQ(n.mean[1], 10.0f);
  EXPECT_FLOAT_EQ(n.std[1], 1.0f);
  Dataset test = table({3, 12}, 2);
  standardize_features(test, n);
  EXPECT_FLOAT_EQ(test.features[0], 0.0f);
  EXPECT_FLOAT_EQ(test.features[1], 2.0f);
  EXPECT_THROW(standardize_features(test, Normalization{{1}, {1}}), ShapeError);
}

TEST(Transforms, PadTo32CentresTheImage) {
  Dataset d = images(3, 1, 28, 28);
  Dataset p = pad_images(d, 32, 32);
  ASSERT_EQ(p.sample_shape(), (Shape{1, 32, 32}));
  EXPECT_EQ(p.labels, d.labels);
  for (int64_t i = 0; i < 3; ++i) {
    auto img = p.image(i);
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x) {
        const bool inside = y >= 2 && y < 30 && x >= 2 && x < 30;
        ASSERT_EQ(img[y * 32 + x], inside ? pixel_value(i, 0, y - 2, x - 2) : 0) << y << " " << x;
      }
  }
  EXPECT_THROW(pad_images(d, 20, 32), ShapeError);
}

TEST(Transforms, BilinearResizeUsesHalfPixelCentres) {
  // 2x down: each output pixel is the mean of a 2x2 block (rounded half away from zero).
  std::vector<uint8_t> src = {0, 10, 20, 30, 4, 14, 24, 35, 100, 100, 0, 0, 100, 101, 0, 0};
  std::vector<uint8_t> down(4);
  resize_bilinear(src, 1, 4, 4, down, 2, 2);
  EXPECT_EQ(down, (std::vector<uint8_t>{7, 27, 100, 0}));
  // 2x up along a row of 0, 100: positions -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
  std::vector<uint8_t> row = {0, 100}, up(4);
  resize_bilinear(row, 1, 1, 2, up, 1, 4);
  EXPECT_EQ(up, (std::vector<uint8_t>{0, 25, 75, 100}));
  // Same size: an exact copy.
  Dataset d = images(2, 3, 5, 7);
  EXPECT_EQ(resize_images(d, 5, 7).pixels, d.pixels);
  Dataset r = resize_images(d, 10, 14);
  EXPECT_EQ(r.sample_shape(), (Shape{3, 10, 14}));
  EXPECT_THROW(resize_bilinear(src, 1, 4, 4, up, 3, 3), ShapeError);
}

TEST(Transforms, PlacementIsAPureFunctionOfSeedEpochAndIndex) {
  Augment aug{4, true};
  std::vector<int> dy_seen(9, 0), dx_seen(9, 0);
  int flips = 0;
  for (int64_t i = 0; i < 4000; ++i) {
    Placement p = draw_placement(aug, 7, 3, i);
    Placement q = draw_placement(aug, 7, 3, i);
    ASSERT_EQ(p.dy, q.dy);
    ASSERT_EQ(p.dx, q.dx);
    ASSERT_EQ(p.flip, q.flip);
    ASSERT_GE(p.dy, -4);
    ASSERT_LE(p.dy, 4);
    ASSERT_GE(p.dx, -4);
    ASSERT_LE(p.dx, 4);
    ++dy_seen[p.dy + 4];
    ++dx_seen[p.dx + 4];
    flips += p.flip;
  }
  for (int k = 0; k < 9; ++k) {
    EXPECT_GT(dy_seen[k], 300) << k;  // about 444 each
    EXPECT_GT(dx_seen[k], 300) << k;
  }
  EXPECT_NEAR(flips, 2000, 200);
  int differ = 0;
  for (int64_t i = 0; i < 100; ++i) {
    Placement a = draw_placement(aug, 7, 3, i), b = draw_placement(aug, 7, 4, i);
    differ += a.dy != b.dy || a.dx != b.dx || a.flip != b.flip;
  }
  EXPECT_GT(differ, 80);  // a new epoch gives new crops
  Placement none = draw_placement({}, 7, 3, 5);
  EXPECT_EQ(none.dy, 0);
  EXPECT_FALSE(none.flip);
}

TEST(Transforms, SampleToFloatShiftsMirrorsAndNormalises) {
  Dataset d = images(2, 3, 6, 5);
  Normalization n{{0.1f, 0.2f, 0.3f}, {0.5f, 0.25f, 2.0f}};
  const Placement p{1, -2, true};
  std::vector<float> out(3 * 6 * 5);
  sample_to_float(d, 1, p, n, out);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 5; ++x) {
        // Crop window shifted by (1, -2), then mirrored: out(y, x) = src(y + 1, 4 - x - 2).
        const int sy = y + 1, sx = 4 - x - 2;
        const float v = (sy < 6 && sx >= 0 && sx < 5) ? pixel_value(1, c, sy, sx) / 255.0f : 0.0f;
        ASSERT_NEAR(out[(c * 6 + y) * 5 + x], (v - n.mean[c]) / n.std[c], 1e-5) << c << y << x;
      }
  sample_to_float(d, 0, Placement{}, Normalization{}, out);
  for (int k = 0; k < 90; ++k) ASSERT_NEAR(out[k], d.pixels[k] / 255.0f, 1e-7);
  EXPECT_THROW(sample_to_float(d, 0, Placement{}, Normalization{{0.5f}, {1}}, out), ShapeError);
}
