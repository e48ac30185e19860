#include "data/fixtures.h"

#include <archive.h>
#include <archive_entry.h>
#include <matio.h>
#include <stb/stb_image_write.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>
#include <random>
#include <stdexcept>

namespace nnlab::testing {

namespace fs = std::filesystem;

data::LoadOptions load_options(const std::string& name, const fs::path& data_dir) {
  data::LoadOptions o;
  o.name = name;
  o.data_dir = data_dir;
  return o;
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("nnlab-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_bytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_text(const fs::path& path, const std::string& text) {
  write_bytes(path, std::vector<uint8_t>(text.begin(), text.end()));
}

void write_gzip(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  gzFile f = gzopen(path.c_str(), "wb6");
  if (!f) throw std::runtime_error("cannot create " + path.string());
  size_t done = 0;
  while (done < bytes.size()) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes.size() - done, 1 << 24));
    if (gzwrite(f, bytes.data() + done, chunk) != static_cast<int>(chunk)) throw std::runtime_error("gzwrite failed");
    done += chunk;
  }
  gzclose(f);
}

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values) {
  std::vector<uint8_t> out = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<uint8_t>(d >> shift));
  out.insert(out.end(), values.begin(), values.end());
  return out;
}

std::vector<uint8_t> idx_images(int64_t n, int64_t rows, int64_t cols) {
  std::vector<uint8_t> values;
  values.reserve(n * rows * cols);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) values.push_back(pixel_value(i, 0, r, c));
  return idx_bytes({static_cast<uint32_t>(n), static_cast<uint32_t>(rows), static_cast<uint32_t>(cols)}, values);
}

std::vector<uint8_t> idx_labels(int64_t n, const std::function<uint8_t(int64_t)>& label_of) {
  std::vector<uint8_t> values;
  for (int64_t i = 0; i < n; ++i) values.push_back(label_of(i));
  return idx_bytes({static_cast<uint32_t>(n)}, values);
}

void write_mnist_dir(const fs::path& dir, int64_t train_n, int64_t test_n, bool gz) {
  auto put = [&](const std::string& base, const std::vector<uint8_t>& bytes) {
    gz ? write_gzip(dir / (base + ".gz"), bytes) : write_bytes(dir / base, bytes);
  };
  put("train-images-idx3-ubyte", idx_images(train_n, 28, 28));
  put("train-labels-idx1-ubyte", idx_labels(train_n, [](int64_t i) { return static_cast<uint8_t>(i % 10); }));
  put("t10k-images-idx3-ubyte", idx_images(test_n, 28, 28));
  put("t10k-labels-idx1-ubyte", idx_labels(test_n, [](int64_t i) { return static_cast<uint8_t>((i * 3) % 10); }));
}

std::vector<uint8_t> cifar_records(int64_t first, int64_t n, int label_bytes,
                                   const std::function<std::vector<uint8_t>(int64_t)>& labels_of) {
  std::vector<uint8_t> out;
  out.reserve(n * (label_bytes + 3072));
  for (int64_t i = first; i < first + n; ++i) {
    std::vector<uint8_t> labels = labels_of(i);
    out.insert(out.end(), labels.begin(), labels.end());
    for (int c = 0; c < 3; ++c)
      for (int r = 0; r < 32; ++r)
        for (int col = 0; col < 32; ++col) out.push_back(pixel_value(i, c, r, col));
  }
  return out;
}

void write_tar_gz(const fs::path& path, const std::vector<std::pair<std::string, std::vector<uint8_t>>>& members) {
  fs::create_directories(path.parent_path());
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_gnutar(a);
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK)
    throw std::runtime_error(std::string("archive_write_open_filename: ") + archive_error_string(a));
  for (const auto& [name, bytes] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    if (archive_write_data(a, bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size()))
      throw std::runtime_error(std::string("archive_write_data: ") + archive_error_string(a));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

void write_svhn_mat(const fs::path& file, int64_t first, int64_t n, const std::function<double(int64_t)>& labels_1to10) {
  fs::create_directories(file.parent_path());
  std::vector<uint8_t> x(static_cast<size_t>(n) * 3072);
  // MATLAB's column-major order: X(row, col, ch, i) at row + 32·col + 1024·ch + 3072·i.
  for (int64_t i = 0; i < n; ++i)
    for (int ch = 0; ch < 3; ++ch)
      for (int col = 0; col < 32; ++col)
        for (int row = 0; row < 32; ++row) x[row + 32 * col + 1024 * ch + 3072 * i] = pixel_value(first + i, ch, row, col);
  std::vector<double> y(n);
  for (int64_t i = 0; i < n; ++i) y[i] = labels_1to10(i);
  mat_t* mat = Mat_CreateVer(file.c_str(), nullptr, MAT_FT_MAT5);
  if (!mat) throw std::runtime_error("Mat_CreateVer failed for " + file.string());
  size_t xdims[4] = {32, 32, 3, static_cast<size_t>(n)};
  size_t ydims[2] = {static_cast<size_t>(n), 1};
  matvar_t* xv = Mat_VarCreate("X", MAT_C_UINT8, MAT_T_UINT8, 4, xdims, x.data(), 0);
  matvar_t* yv = Mat_VarCreate("y", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, ydims, y.data(), 0);
  if (Mat_VarWrite(mat, xv, MAT_COMPRESSION_ZLIB) != 0 || Mat_VarWrite(mat, yv, MAT_COMPRESSION_ZLIB) != 0)
    throw std::runtime_error("Mat_VarWrite failed for " + file.string());
  Mat_VarFree(xv);
  Mat_VarFree(yv);
  Mat_Close(mat);
}

void write_png(const fs::path& file, int64_t sample, int channels, int height, int width) {
  fs::create_directories(file.parent_path());
  std::vector<uint8_t> hwc(static_cast<size_t>(height) * width * channels);
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c)
      for (int ch = 0; ch < channels; ++ch) hwc[(r * width + c) * channels + ch] = pixel_value(sample, ch, r, c);
  if (!stbi_write_png(file.c_str(), width, height, channels, hwc.data(), width * channels))
    throw std::runtime_error("stbi_write_png failed for " + file.string());
}

}  // namespace nnlab::testing
