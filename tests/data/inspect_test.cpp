#include <gtest/gtest.h>
#include <stb/stb_image.h>

#include <cmath>
#include <memory>

#include "data/bitmap_font.h"
#include "data/fixtures.h"
#include "nnlab/data/inspect.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;

namespace {

Dataset digits(int64_t n) {
  Dataset d;
  d.name = "grid";
  d.channels = 1;
  d.height = d.width = 28;
  d.num_classes = 10;
  for (int k = 0; k < 10; ++k) d.class_names.push_back(std::to_string(k));
  for (int64_t i = 0; i < n; ++i) {
    d.labels.push_back(static_cast<int32_t>((i * 3) % 10));
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) d.pixels.push_back(pixel_value(i, 0, y, x));
  }
  return d;
}

}  // namespace

TEST(Inspect, SummaryCountsShapesHistogramAndMoments) {
  Dataset d = digits(20);
  SplitSummary s = summarize(d);
  EXPECT_EQ(s.count, 20);
  EXPECT_EQ(s.shape, (Shape{1, 28, 28}));
  EXPECT_EQ(s.label_histogram, (std::vector<int64_t>{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}));
  double sum = 0, sq = 0;
  for (uint8_t p : d.pixels) sum += p / 255.0;
  const double mean = sum / d.pixels.size();
  for (uint8_t p : d.pixels) sq += (p / 255.0 - mean) * (p / 255.0 - mean);
  ASSERT_EQ(s.mean.size(), 1u);
  EXPECT_NEAR(s.mean[0], mean, 1e-12);
  EXPECT_NEAR(s.std[0], std::sqrt(sq / d.pixels.size()), 1e-12);
}

TEST(Inspect, FontGlyphsAreDrawnWhereAsked) {
  const int w = 20, h = 10;
  std::vector<uint8_t> rgb(w * h * 3, 0);
  detail::draw_text(rgb, w, h, 1, 2, "7a", {255, 0, 0});
  auto seven = detail::glyph('7'), a = detail::glyph('A');
  EXPECT_EQ(detail::glyph('a'), a);
  EXPECT_EQ(detail::glyph('~'), detail::glyph('?'));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      bool ink = false;
      const int gy = y - 2;
      if (gy >= 0 && gy < detail::kGlyphHeight) {
        const int g0 = x - 1, g1 = x - 1 - detail::kGlyphAdvance;
        if (g0 >= 0 && g0 < detail::kGlyphWidth) ink = seven[gy] >> (4 - g0) & 1;
        if (g1 >= 0 && g1 < detail::kGlyphWidth) ink = a[gy] >> (4 - g1) & 1;
      }
      ASSERT_EQ(rgb[(y * w + x) * 3], ink ? 255 : 0) << x << "," << y;
      ASSERT_EQ(rgb[(y * w + x) * 3 + 1], 0);
    }
  // Every digit has ink and no two digits look alike.
  for (char c = '0'; c <= '9'; ++c)
    for (char e = '0'; e < c; ++e) EXPECT_NE(detail::glyph(c), detail::glyph(e)) << c << e;
  detail::draw_text(rgb, w, h, 15, 8, "888", {1, 1, 1});  // clipped at the edges, no overrun
}

TEST(Inspect, GridShowsTheImagesScaledWithTheirLabels) {
  TempDir dir;
  Dataset d = digits(12);
  write_image_grid(d, 7, dir / "grid.png", 4);
  int w = 0, h = 0, comp = 0;
  std::unique_ptr<uint8_t, decltype(&stbi_image_free)> png(stbi_load((dir / "grid.png").c_str(), &w, &h, &comp, 3),
                                                           &stbi_image_free);
  ASSERT_TRUE(png);
  // 28-pixel images drawn 3x (84 px), 2-pixel gaps, an 11-pixel caption band.
  const int scale = 3, tile = 84, gap = 2, cell_w = tile + gap, cell_h = tile + 11 + gap;
  ASSERT_EQ(w, 4 * cell_w + gap);
  ASSERT_EQ(h, 2 * cell_h + gap);
  for (int i = 0; i < 7; ++i) {
    const int x0 = gap + (i % 4) * cell_w, y0 = gap + (i / 4) * cell_h;
    for (int y = 0; y < tile; ++y)
      for (int x = 0; x < tile; ++x)
        for (int c = 0; c < 3; ++c)
          ASSERT_EQ(png.get()[((y0 + y) * w + x0 + x) * 3 + c], pixel_value(i, 0, y / scale, x / scale)) << i;
    // The caption: the label digit in white, starting one pixel in and two below the tile.
    auto g = detail::glyph(static_cast<char>('0' + d.labels[i]));
    for (int gy = 0; gy < detail::kGlyphHeight; ++gy)
      for (int gx = 0; gx < detail::kGlyphWidth; ++gx) {
        const uint8_t v = png.get()[((y0 + tile + 2 + gy) * w + x0 + 1 + gx) * 3];
        ASSERT_EQ(v, (g[gy] >> (4 - gx) & 1) ? 255 : 40) << "image " << i << " glyph " << gx << "," << gy;
      }
  }
  EXPECT_THROW(write_image_grid(d, 0, dir / "none.png"), ConfigError);
}

TEST(Inspect, GridKeepsColourChannels) {
  TempDir dir;
  Dataset d;
  d.name = "rgb";
  d.channels = 3;
  d.height = d.width = 32;
  d.num_classes = 1;
  d.class_names = {"thing"};
  d.labels = {0};
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 32 * 32; ++p) d.pixels.push_back(pixel_value(0, c, p / 32, p % 32));
  write_image_grid(d, 1, dir / "rgb.png");
  int w = 0, h = 0, comp = 0;
  std::unique_ptr<uint8_t, decltype(&stbi_image_free)> png(stbi_load((dir / "rgb.png").c_str(), &w, &h, &comp, 3),
                                                           &stbi_image_free);
  ASSERT_TRUE(png);
  EXPECT_EQ(w, 2 + 64 + 2);  // 32 pixels drawn 2x
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x)
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(png.get()[((2 + y) * w + 2 + x) * 3 + c], pixel_value(0, c, y / 2, x / 2));
}
