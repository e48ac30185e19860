#include <gtest/gtest.h>

#include "data/cifar_reader.h"
#include "data/fixtures.h"
#include "data/tar_reader.h"
#include "nnlab/data/datasets.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;

namespace {

uint8_t cifar10_label(int64_t i) { return static_cast<uint8_t>((i * 7 + i / 13) % 10); }
uint8_t coarse_label(int64_t i) { return static_cast<uint8_t>((i * 3 + 1) % 20); }
uint8_t fine_label(int64_t i) { return static_cast<uint8_t>((i * 11 + i / 7) % 100); }

std::vector<uint8_t> cifar10_file(int64_t first, int64_t n) {
  return cifar_records(first, n, 1, [](int64_t i) { return std::vector<uint8_t>{cifar10_label(i)}; });
}

std::vector<uint8_t> cifar100_file(int64_t first, int64_t n) {
  return cifar_records(first, n, 2, [](int64_t i) { return std::vector<uint8_t>{coarse_label(i), fine_label(i)}; });
}

// Every pixel and label of a split whose sample i was written as record `first + i`.
void expect_records(const Dataset& d, int64_t first, int64_t n, uint8_t (*label)(int64_t)) {
  ASSERT_EQ(d.size(), n);
  ASSERT_EQ(d.sample_shape(), (Shape{3, 32, 32}));
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(d.labels[i], label(first + i)) << i;
    auto img = d.image(i);
    for (int c = 0; c < 3; ++c)
      for (int r = 0; r < 32; ++r)
        for (int col = 0; col < 32; ++col)
          ASSERT_EQ(img[(c * 32 + r) * 32 + col], pixel_value(first + i, c, r, col)) << i << c << r << col;
  }
}

}  // namespace

// The published tarball, full size (CIFAR has no header, so the loader insists on the
// published record counts), read in place without extracting.
TEST(CifarReader, ReadsThePublishedTarballInPlace) {
  TempDir dir;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> members;
  members.push_back({"cifar-10-batches-bin/batches.meta.txt", {'a', '\n'}});
  for (int b = 0; b < 5; ++b)
    members.push_back({"cifar-10-batches-bin/data_batch_" + std::to_string(b + 1) + ".bin", cifar10_file(b * 10000, 10000)});
  members.push_back({"cifar-10-batches-bin/test_batch.bin", cifar10_file(50000, 10000)});
  write_tar_gz(dir / "cifar10" / "cifar-10-binary.tar.gz", members);
  members.clear();

  Location loc = locate_dataset("cifar10", dir.path());
  ASSERT_TRUE(loc.dir);
  EXPECT_EQ(loc.form, "cifar-10-binary.tar.gz");
  Splits s = load_dataset(load_options("cifar10", dir.path()));
  expect_records(s.train, 0, 50000, cifar10_label);
  expect_records(s.test, 50000, 10000, cifar10_label);
  EXPECT_EQ(s.train.class_names[0], "airplane");
  EXPECT_EQ(s.train.class_names[9], "truck");
}

TEST(CifarReader, ReadsExtractedCifar100WithFineOrCoarseLabels) {
  TempDir dir;
  write_bytes(dir / "cifar-100-binary" / "train.bin", cifar100_file(0, 50000));
  write_bytes(dir / "cifar-100-binary" / "test.bin", cifar100_file(50000, 10000));
  Location loc = locate_dataset("cifar100", dir.path());
  ASSERT_TRUE(loc.dir);
  EXPECT_EQ(*loc.dir, dir / "cifar-100-binary");
  EXPECT_EQ(loc.form, "extracted");
  Splits fine = load_dataset(load_options("cifar100", dir.path()));
  expect_records(fine.train, 0, 50000, fine_label);
  expect_records(fine.test, 50000, 10000, fine_label);
  EXPECT_EQ(fine.train.num_classes, 100);
  ASSERT_EQ(fine.train.class_names.size(), 100u);
  EXPECT_EQ(fine.train.class_names[99], "worm");
  LoadOptions o = load_options("cifar100", dir.path());
  o.cifar100_coarse = true;
  Splits coarse = load_dataset(o);
  EXPECT_EQ(coarse.train.num_classes, 20);
  EXPECT_EQ(coarse.train.class_names[19], "vehicles_2");
  for (int64_t i = 0; i < 50000; ++i) ASSERT_EQ(coarse.train.labels[i], coarse_label(i)) << i;
  for (int64_t i = 0; i < 10000; ++i) ASSERT_EQ(coarse.test.labels[i], coarse_label(50000 + i)) << i;
}

TEST(CifarReader, RecordParserChecksSizesAndLabels) {
  Dataset d;
  d.channels = 3;
  d.height = d.width = 32;
  const auto f10 = detail::cifar_format(false, false);
  detail::append_cifar_records(cifar10_file(0, 3), "b.bin", f10, -1, d);
  expect_records(d, 0, 3, cifar10_label);

  std::vector<uint8_t> cut = cifar10_file(0, 3);
  cut.pop_back();
  std::string msg = data_error([&] { detail::append_cifar_records(cut, "b.bin", f10, -1, d); });
  EXPECT_NE(msg.find("b.bin: 9218 bytes is not a whole number of 3073-byte CIFAR-10 records (2 records and 3072 bytes over)"),
            std::string::npos)
      << msg;
  // Cut at a record boundary: only the published count reveals it.
  msg = data_error([&] { detail::append_cifar_records(cifar10_file(0, 2), "b.bin", f10, 3, d); });
  EXPECT_NE(msg.find("2 records where the published file has 3"), std::string::npos) << msg;

  std::vector<uint8_t> bad = cifar10_file(0, 3);
  bad[2 * 3073] = 10;
  msg = data_error([&] { detail::append_cifar_records(bad, "b.bin", f10, -1, d); });
  EXPECT_NE(msg.find("b.bin: record 2 has label 10, outside 0..9"), std::string::npos) << msg;
  std::vector<uint8_t> bad100 = cifar100_file(0, 2);
  bad100[3074 + 1] = 100;  // fine label of record 1
  msg = data_error([&] { detail::append_cifar_records(bad100, "train.bin", detail::cifar_format(true, false), -1, d); });
  EXPECT_NE(msg.find("record 1 has label 100, outside 0..99"), std::string::npos) << msg;
}

TEST(CifarReader, TruncatedOrIncompleteTarball) {
  TempDir dir;
  write_tar_gz(dir / "t.tar.gz", {{"cifar-10-batches-bin/data_batch_1.bin", cifar10_file(0, 50)},
                                  {"cifar-10-batches-bin/test_batch.bin", cifar10_file(50, 50)}});
  auto members = detail::read_tar_members(dir / "t.tar.gz", {"data_batch_1.bin", "test_batch.bin"});
  EXPECT_EQ(members.at("test_batch.bin"), cifar10_file(50, 50));
  std::string msg = data_error([&] { detail::read_tar_members(dir / "t.tar.gz", {"data_batch_2.bin"}); });
  EXPECT_NE(msg.find("t.tar.gz: the archive has no member named data_batch_2.bin"), std::string::npos) << msg;

  std::vector<uint8_t> bytes = read_bytes(dir / "t.tar.gz");
  bytes.resize(bytes.size() * 2 / 3);
  write_bytes(dir / "cut.tar.gz", bytes);
  msg = data_error([&] { detail::read_tar_members(dir / "cut.tar.gz", {"data_batch_1.bin", "test_batch.bin"}); });
  EXPECT_NE(msg.find("cut.tar.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("download it again"), std::string::npos) << msg;

  write_text(dir / "junk.tar.gz", "this is not an archive");
  msg = data_error([&] { detail::read_tar_members(dir / "junk.tar.gz", {"test_batch.bin"}); });
  EXPECT_NE(msg.find("junk.tar.gz"), std::string::npos) << msg;
}

TEST(CifarReader, ExtractedFileWithTooFewRecords) {
  TempDir dir;
  for (int b = 1; b <= 5; ++b) write_bytes(dir / ("data_batch_" + std::to_string(b) + ".bin"), {});
  write_bytes(dir / "test_batch.bin", cifar10_file(0, 3));
  std::string msg = data_error([&] { load_dataset(load_options("cifar10", dir.path())); });
  EXPECT_NE(msg.find("data_batch_1.bin: 0 records where the published file has 10000"), std::string::npos) << msg;
}
