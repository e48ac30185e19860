#include <gtest/gtest.h>

#include "data/fixtures.h"
#include "data/image_folder_reader.h"
#include "nnlab/data/datasets.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;

namespace {

// Sample ids written per class folder: class k holds ids 100·k + 0..count-1.
void write_class(const std::filesystem::path& dir, int k, int count, int channels, int h, int w) {
  for (int i = 0; i < count; ++i) write_png(dir / ("img" + std::to_string(i) + ".png"), 100 * k + i, channels, h, w);
}

}  // namespace

TEST(ImageFolderReader, PresplitFolderPixelForPixel) {
  TempDir dir;
  for (int k = 0; k < 3; ++k) {
    const std::string cls = std::string("class_") + char('a' + k);
    write_class(dir / "train" / cls, k, 4, 3, 12, 10);
    write_class(dir / "test" / cls, k + 10, 2, 3, 12, 10);
  }
  write_text(dir / "train" / "class_a" / "notes.txt", "not an image");
  LoadOptions o = load_options("folder:" + dir.path().string());
  Splits s = load_dataset(o);
  EXPECT_EQ(s.train.class_names, (std::vector<std::string>{"class_a", "class_b", "class_c"}));
  ASSERT_EQ(s.train.size(), 12);
  ASSERT_EQ(s.test.size(), 6);
  EXPECT_EQ(s.train.sample_shape(), (Shape{3, 12, 10}));
  for (int64_t i = 0; i < s.train.size(); ++i) {
    const int k = static_cast<int>(i / 4), id = 100 * k + static_cast<int>(i % 4);  // files sorted by name
    EXPECT_EQ(s.train.labels[i], k);
    auto img = s.train.image(i);
    for (int c = 0; c < 3; ++c)
      for (int r = 0; r < 12; ++r)
        for (int col = 0; col < 10; ++col) ASSERT_EQ(img[(c * 12 + r) * 10 + col], pixel_value(id, c, r, col));
  }
  EXPECT_EQ(s.test.labels, (std::vector<int32_t>{0, 0, 1, 1, 2, 2}));
}

TEST(ImageFolderReader, GreyImagesAndResize) {
  TempDir dir;
  write_class(dir / "cats", 0, 5, 1, 16, 16);
  write_class(dir / "dogs", 1, 5, 1, 16, 16);
  LoadOptions o = load_options("folder:" + dir.path().string());
  o.test_fraction = 0.4;
  Splits s = load_dataset(o);
  EXPECT_EQ(s.train.channels, 1);
  EXPECT_EQ(s.train.size(), 6);
  EXPECT_EQ(s.test.size(), 4);
  EXPECT_EQ(label_histogram(s.test), (std::vector<int64_t>{2, 2}));
  o.image_size = 8;
  o.channels = 3;
  Splits r = load_dataset(o);
  EXPECT_EQ(r.train.sample_shape(), (Shape{3, 8, 8}));
  auto img = r.train.image(0);
  for (int c = 1; c < 3; ++c)
    for (int p = 0; p < 64; ++p) EXPECT_EQ(img[c * 64 + p], img[p]);  // grey replicated into RGB
}

TEST(ImageFolderReader, MixedSizesNeedImageSize) {
  TempDir dir;
  write_png(dir / "a" / "1.png", 0, 3, 8, 8);
  write_png(dir / "a" / "2.png", 1, 3, 9, 8);
  write_png(dir / "b" / "1.png", 2, 3, 8, 8);
  write_png(dir / "b" / "2.png", 3, 3, 8, 8);
  LoadOptions o = load_options("folder:" + dir.path().string());
  o.test_fraction = 0.5;
  std::string msg = data_error([&] { load_dataset(o); });
  EXPECT_NE(msg.find("2.png is 8x9 but"), std::string::npos) << msg;
  EXPECT_NE(msg.find("`image_size`"), std::string::npos) << msg;
  o.image_size = 8;
  EXPECT_EQ(load_dataset(o).train.sample_shape(), (Shape{3, 8, 8}));
}

TEST(ImageFolderReader, BadFolders) {
  TempDir dir;
  std::string msg = data_error([&] { load_dataset(load_options("folder:" + (dir / "none").string())); });
  EXPECT_NE(msg.find("no such directory"), std::string::npos) << msg;
  msg = data_error([&] { load_dataset(load_options("folder:" + dir.path().string())); });
  EXPECT_NE(msg.find("no class folders"), std::string::npos) << msg;
  std::filesystem::create_directories(dir / "empty_class");
  write_png(dir / "full" / "x.png", 0, 3, 4, 4);
  msg = data_error([&] { load_dataset(load_options("folder:" + dir.path().string())); });
  EXPECT_NE(msg.find("class folder empty_class holds no .png"), std::string::npos) << msg;
  std::filesystem::remove(dir / "empty_class");
  write_text(dir / "full" / "broken.png", "\x89PNG not really");
  msg = data_error([&] { load_dataset(load_options("folder:" + dir.path().string())); });
  EXPECT_NE(msg.find("broken.png: not an image stb_image can read"), std::string::npos) << msg;
}

TEST(ImageFolderReader, DecodeRejectsTruncatedImages) {
  TempDir dir;
  write_png(dir / "ok.png", 0, 3, 32, 32);
  std::vector<uint8_t> bytes = read_bytes(dir / "ok.png");
  EXPECT_EQ(detail::decode_image(bytes, "ok.png", 3).pixels.size(), 3u * 32 * 32);
  bytes.resize(bytes.size() / 2);
  std::string msg = data_error([&] { detail::decode_image(bytes, "half.png", 3); });
  EXPECT_NE(msg.find("half.png"), std::string::npos) << msg;
}
