#include <gtest/gtest.h>

#include "data/file_bytes.h"
#include "data/fixtures.h"
#include "data/idx_reader.h"
#include "nnlab/data/datasets.h"
#include "nnlab/error.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;

namespace {

void expect_mnist_pixels(const Dataset& d, int64_t n, int label_step) {
  ASSERT_EQ(d.size(), n);
  ASSERT_EQ(d.sample_shape(), (Shape{1, 28, 28}));
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_EQ(d.labels[i], (i * label_step) % 10);
    auto img = d.image(i);
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) ASSERT_EQ(img[r * 28 + c], pixel_value(i, 0, r, c)) << i << " " << r << " " << c;
  }
}

}  // namespace

TEST(IdxReader, ReadsGzippedAndPlainFilesPixelForPixel) {
  for (bool gz : {true, false}) {
    TempDir dir;
    write_mnist_dir(dir.path(), 50, 20, gz);
    Splits s = load_dataset(load_options("mnist", dir.path()));
    expect_mnist_pixels(s.train, 50, 1);
    expect_mnist_pixels(s.test, 20, 3);
    EXPECT_EQ(s.train.num_classes, 10);
    EXPECT_EQ(s.train.class_names[3], "3");
    EXPECT_EQ(s.train.split, "train");
    EXPECT_EQ(s.test.split, "test");
  }
}

TEST(IdxReader, FashionMnistHasItsClassNames) {
  TempDir dir;
  write_mnist_dir(dir / "fashion-mnist", 10, 10, true);
  Splits s = load_dataset(load_options("fashion-mnist", dir.path()));  // found as DIR/NAME
  EXPECT_EQ(s.train.class_names.front(), "T-shirt/top");
  EXPECT_EQ(s.train.class_names.back(), "Ankle boot");
  EXPECT_EQ(s.train.name, "fashion-mnist");
}

TEST(IdxReader, WrongMagicNumber) {
  std::vector<uint8_t> bytes = idx_images(2, 28, 28);
  bytes[0] = 0x42;
  std::string msg = data_error([&] { detail::parse_idx(bytes, "x-idx3-ubyte", 3); });
  EXPECT_NE(msg.find("x-idx3-ubyte"), std::string::npos) << msg;
  EXPECT_NE(msg.find("magic"), std::string::npos) << msg;
  bytes = idx_images(2, 28, 28);
  bytes[2] = 0x0D;  // float elements
  EXPECT_NE(data_error([&] { detail::parse_idx(bytes, "f", 3); }).find("element type 0x0d"), std::string::npos);
  // A label file where an image file belongs.
  EXPECT_NE(data_error([&] { detail::parse_idx(idx_labels(3, [](int64_t) { return 1; }), "l", 3); })
                .find("1 dimensions where 3 were expected"),
            std::string::npos);
}

TEST(IdxReader, HeaderCountsThatDisagreeWithTheFileSize) {
  std::vector<uint8_t> bytes = idx_images(3, 28, 28);
  std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 100);
  std::string msg = data_error([&] { detail::parse_idx(truncated, "imgs", 3); });
  EXPECT_NE(msg.find("imgs: the IDX header says 3x28x28 (2352 values) but the file holds 2252 bytes"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos);
  bytes.push_back(7);
  EXPECT_NE(data_error([&] { detail::parse_idx(bytes, "imgs", 3); }).find("trailing data"), std::string::npos);
  // Too short for the header itself.
  EXPECT_NE(data_error([&] { detail::parse_idx(std::vector<uint8_t>{0, 0, 8, 3, 0, 0}, "h", 3); }).find("truncated IDX header"),
            std::string::npos);
  EXPECT_NE(data_error([&] { detail::parse_idx(std::vector<uint8_t>{0, 0}, "h", 3); }).find("too short"), std::string::npos);
  // Found by fuzz_idx: a zero dimension made any image count consistent with an empty body.
  EXPECT_NE(data_error([&] { detail::parse_idx(idx_bytes({4000000000u, 0, 28}, {}), "z", 3); })
                .find("z: dimension 2 of the IDX array is 0"),
            std::string::npos);
}

TEST(IdxReader, TruncatedGzipDownload) {
  TempDir dir;
  write_mnist_dir(dir.path(), 30, 10, true);
  auto path = dir / "train-images-idx3-ubyte.gz";
  std::vector<uint8_t> gz = read_bytes(path);
  gz.resize(gz.size() / 2);
  write_bytes(path, gz);
  std::string msg = data_error([&] { load_dataset(load_options("mnist", dir.path())); });
  EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("gzip stream is truncated"), std::string::npos) << msg;
}

TEST(IdxReader, CountsOfImagesAndLabelsMustAgree) {
  TempDir dir;
  write_mnist_dir(dir.path(), 30, 10, false);
  write_bytes(dir / "train-labels-idx1-ubyte", idx_labels(29, [](int64_t) { return 0; }));
  std::string msg = data_error([&] { load_dataset(load_options("mnist", dir.path())); });
  EXPECT_NE(msg.find("holds 30 images but"), std::string::npos) << msg;
  EXPECT_NE(msg.find("holds 29 labels"), std::string::npos) << msg;
}

TEST(IdxReader, LabelOutOfRange) {
  TempDir dir;
  write_mnist_dir(dir.path(), 30, 10, false);
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(10, [](int64_t i) { return i == 7 ? 10 : 0; }));
  std::string msg = data_error([&] { load_dataset(load_options("mnist", dir.path())); });
  EXPECT_NE(msg.find("t10k-labels-idx1-ubyte: label 10 of sample 7 is outside 0..9"), std::string::npos) << msg;
}

TEST(FileBytes, GunzipConcatenatedMembersAndJunk) {
  TempDir dir;
  write_gzip(dir / "a.gz", {1, 2, 3});
  write_gzip(dir / "b.gz", {4, 5});
  std::vector<uint8_t> ab = read_bytes(dir / "a.gz"), b = read_bytes(dir / "b.gz");
  ab.insert(ab.end(), b.begin(), b.end());
  EXPECT_EQ(detail::gunzip(ab, "ab"), (std::vector<uint8_t>{1, 2, 3, 4, 5}));
  ab.push_back(0);
  EXPECT_NE(data_error([&] { detail::gunzip(ab, "ab"); }).find("junk after the end"), std::string::npos);
  std::vector<uint8_t> corrupt = read_bytes(dir / "a.gz");
  corrupt[12] ^= 0xff;
  corrupt[13] ^= 0xff;
  EXPECT_NE(data_error([&] { detail::gunzip(corrupt, "c"); }).find("c: "), std::string::npos);
}
