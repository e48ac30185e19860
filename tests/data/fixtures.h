// Test fixtures that write each dataset format exactly as it is published, with the same
// libraries a publisher would use (zlib's gzip, libarchive's tar writer, matio, stb).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nnlab/data/datasets.h"
#include "nnlab/error.h"

namespace nnlab::testing {

// Options naming a dataset and the directory searched first.
data::LoadOptions load_options(const std::string& name, const std::filesystem::path& data_dir = {});

// A fresh directory, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A pixel value that differs along every axis, so a transposed, flipped or shifted image
// cannot pass for the right one.
inline uint8_t pixel_value(int64_t sample, int64_t channel, int64_t row, int64_t col) {
  return static_cast<uint8_t>((sample * 37 + channel * 101 + row * 7 + col * 13 + row * col) % 256);
}

void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);
void write_text(const std::filesystem::path& path, const std::string& text);
void write_gzip(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);
std::vector<uint8_t> read_bytes(const std::filesystem::path& path);

// An IDX file: 00 00 08 <ndims>, big-endian dims, values.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values);
// MNIST-style images n×rows×cols with pixel_value(i, 0, r, c) and labels label_of(i).
std::vector<uint8_t> idx_images(int64_t n, int64_t rows, int64_t cols);
std::vector<uint8_t> idx_labels(int64_t n, const std::function<uint8_t(int64_t)>& label_of);
// The four MNIST files in `dir` (gzipped or not): train_n and test_n samples of 28×28.
void write_mnist_dir(const std::filesystem::path& dir, int64_t train_n, int64_t test_n, bool gz);

// CIFAR records: label byte(s) then R, G, B planes of 32×32 with pixel_value(first + i, ...).
std::vector<uint8_t> cifar_records(int64_t first, int64_t n, int label_bytes,
                                   const std::function<std::vector<uint8_t>(int64_t)>& labels_of);
// A gzipped tar archive holding `members` (path inside the archive, bytes), as `tar czf` makes.
void write_tar_gz(const std::filesystem::path& archive,
                  const std::vector<std::pair<std::string, std::vector<uint8_t>>>& members);

// An SVHN .mat file (MATLAB 5 format, zlib-compressed like the published files): X is
// 32×32×3×n uint8 in column-major order holding pixel_value(first + i, ch, row, col) at
// X(row, col, ch, i); y is an n×1 double array of labels_1to10(i).
void write_svhn_mat(const std::filesystem::path& file, int64_t first, int64_t n,
                    const std::function<double(int64_t)>& labels_1to10);

// An RGB (channels 3) or grey (1) PNG of pixel_value(sample, c, row, col).
void write_png(const std::filesystem::path& file, int64_t sample, int channels, int height, int width);

// The message of the DataError that `fn` throws; a test failure when it throws none.
template <class Fn>
std::string data_error(Fn&& fn) {
  try {
    fn();
  } catch (const DataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no DataError thrown";
  return "";
}

}  // namespace nnlab::testing
