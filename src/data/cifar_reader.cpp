#include "data/cifar_reader.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "data/catalog.h"
#include "data/file_bytes.h"
#include "data/tar_reader.h"
#include "nnlab/error.h"

namespace nnlab::data::detail {
namespace {

constexpr int64_t kImageBytes = 3 * 32 * 32;

struct SplitFiles {
  std::vector<std::string> train;
  std::string test;
  int64_t records_per_train_file;
  int64_t test_records;
};

SplitFiles published_files(bool cifar100) {
  if (cifar100) return {{"train.bin"}, "test.bin", 50000, 10000};
  return {{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"},
          "test_batch.bin",
          10000,
          10000};
}

Dataset empty_split(const std::string& name, const std::string& split, const std::string& source,
                    const CifarFormat& format, bool cifar100, bool coarse) {
  Dataset d;
  d.name = name;
  d.split = split;
  d.source = source;
  d.channels = 3;
  d.height = 32;
  d.width = 32;
  d.num_classes = format.num_classes;
  d.class_names = cifar100 ? (coarse ? cifar100_coarse_names() : cifar100_fine_names()) : cifar10_names();
  return d;
}

}  // namespace

CifarFormat cifar_format(bool cifar100, bool coarse) {
  if (!cifar100) return {1, 0, 10};
  return coarse ? CifarFormat{2, 0, 20} : CifarFormat{2, 1, 100};
}

void append_cifar_records(std::span<const uint8_t> bytes, const std::string& file, const CifarFormat& format,
                          int64_t expected_records, Dataset& out) {
  const int64_t record = format.label_bytes + kImageBytes;
  const int64_t size = static_cast<int64_t>(bytes.size());
  const std::string hint = "; the file is damaged or incomplete: download the dataset again";
  if (size % record != 0)
    throw DataError(fmt::format("{}: {} bytes is not a whole number of {}-byte CIFAR{} records ({} records and {} "
                                "bytes over){}",
                                file, size, record, format.label_bytes == 1 ? "-10" : "-100", size / record,
                                size % record, hint));
  const int64_t n = size / record;
  if (expected_records >= 0 && n != expected_records)
    throw DataError(fmt::format("{}: {} records where the published file has {}{}", file, n, expected_records, hint));
  const size_t first = out.labels.size();
  out.labels.resize(first + n);
  out.pixels.resize((first + n) * kImageBytes);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* rec = bytes.data() + i * record;
    const int label = rec[format.label_byte];
    if (label >= format.num_classes)
      throw DataError(fmt::format("{}: record {} has label {}, outside 0..{}{}", file, i, label,
                                  format.num_classes - 1, hint));
    out.labels[first + i] = label;
    std::copy_n(rec + format.label_bytes, kImageBytes, out.pixels.data() + (first + i) * kImageBytes);
  }
}

Splits read_cifar(const std::filesystem::path& dir, bool tarball, bool cifar100, bool coarse) {
  const std::string name = cifar100 ? "cifar100" : "cifar10";
  const CifarFormat format = cifar_format(cifar100, coarse);
  const SplitFiles files = published_files(cifar100);
  std::vector<std::string> wanted = files.train;
  wanted.push_back(files.test);

  std::map<std::string, std::vector<uint8_t>> members;
  std::filesystem::path archive = dir / (cifar100 ? "cifar-100-binary.tar.gz" : "cifar-10-binary.tar.gz");
  if (tarball) members = read_tar_members(archive, wanted);
  const std::string source = tarball ? archive.string() : dir.string();
  auto bytes_of = [&](const std::string& member) {
    return tarball ? std::move(members.at(member)) : read_file_bytes(dir / member);
  };
  auto label_of = [&](const std::string& member) {
    return tarball ? archive.string() + ":" + member : (dir / member).string();
  };

  Splits s{empty_split(name, "train", source, format, cifar100, coarse),
           empty_split(name, "test", source, format, cifar100, coarse)};
  for (const auto& member : files.train)
    append_cifar_records(bytes_of(member), label_of(member), format, files.records_per_train_file, s.train);
  append_cifar_records(bytes_of(files.test), label_of(files.test), format, files.test_records, s.test);
  return s;
}

}  // namespace nnlab::data::detail
