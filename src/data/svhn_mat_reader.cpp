#include "data/svhn_mat_reader.h"

#include <fmt/core.h>
#include <matio.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <string>

#include "data/catalog.h"
#include "data/mat_file_check.h"
#include "nnlab/error.h"

namespace nnlab::data::detail {
namespace {

// matio reports faults through a process-wide log function (printing to stderr by
// default); nnlab never prints, so the messages are kept per thread and put in the error.
thread_local std::string matio_message;

void capture_matio_log(int level, char* message) {
  if (level & (MATIO_LOG_LEVEL_ERROR | MATIO_LOG_LEVEL_CRITICAL) && message && matio_message.empty())
    matio_message = message;
}

void install_matio_log() {
  static std::once_flag once;
  std::call_once(once, [] { Mat_LogInitFunc("nnlab", &capture_matio_log); });
}

std::string matio_reason() { return matio_message.empty() ? "" : " (matio: " + matio_message + ")"; }

struct MatFile {
  mat_t* mat;
  explicit MatFile(const std::filesystem::path& file) : mat(Mat_Open(file.c_str(), MAT_ACC_RDONLY)) {}
  ~MatFile() {
    if (mat) Mat_Close(mat);
  }
};

using VarPtr = std::unique_ptr<matvar_t, decltype(&Mat_VarFree)>;

const char* class_name(matio_classes c) {
  switch (c) {
    case MAT_C_DOUBLE: return "double";
    case MAT_C_SINGLE: return "single";
    case MAT_C_INT8: return "int8";
    case MAT_C_UINT8: return "uint8";
    case MAT_C_INT16: return "int16";
    case MAT_C_UINT16: return "uint16";
    case MAT_C_INT32: return "int32";
    case MAT_C_UINT32: return "uint32";
    case MAT_C_INT64: return "int64";
    case MAT_C_UINT64: return "uint64";
    case MAT_C_CELL: return "cell";
    case MAT_C_STRUCT: return "struct";
    case MAT_C_CHAR: return "char";
    case MAT_C_SPARSE: return "sparse";
    default: return "non-numeric";
  }
}

std::string dims_str(const matvar_t* v) {
  std::string s;
  for (int i = 0; i < v->rank; ++i) s += fmt::format("{}{}", i ? "x" : "", v->dims[i]);
  return s;
}

// The element size of a real numeric class, 0 for anything else.
size_t numeric_size(matio_classes c) {
  switch (c) {
    case MAT_C_DOUBLE: case MAT_C_INT64: case MAT_C_UINT64: return 8;
    case MAT_C_SINGLE: case MAT_C_INT32: case MAT_C_UINT32: return 4;
    case MAT_C_INT16: case MAT_C_UINT16: return 2;
    case MAT_C_INT8: case MAT_C_UINT8: return 1;
    default: return 0;
  }
}

double element(const matvar_t* v, size_t i) {
  const void* d = v->data;
  switch (v->class_type) {
    case MAT_C_DOUBLE: return static_cast<const double*>(d)[i];
    case MAT_C_SINGLE: return static_cast<const float*>(d)[i];
    case MAT_C_INT8: return static_cast<const int8_t*>(d)[i];
    case MAT_C_UINT8: return static_cast<const uint8_t*>(d)[i];
    case MAT_C_INT16: return static_cast<const int16_t*>(d)[i];
    case MAT_C_UINT16: return static_cast<const uint16_t*>(d)[i];
    case MAT_C_INT32: return static_cast<const int32_t*>(d)[i];
    case MAT_C_UINT32: return static_cast<const uint32_t*>(d)[i];
    case MAT_C_INT64: return static_cast<double>(static_cast<const int64_t*>(d)[i]);
    case MAT_C_UINT64: return static_cast<double>(static_cast<const uint64_t*>(d)[i]);
    default: return NAN;
  }
}

VarPtr read_info(MatFile& f, const char* name, const std::string& file) {
  VarPtr v(Mat_VarReadInfo(f.mat, name), &Mat_VarFree);
  if (!v && !matio_message.empty())
    throw DataError(fmt::format("{}: cannot read variable {}{}; the file is damaged or incomplete: download it again",
                                file, name, matio_reason()));
  if (!v)
    throw DataError(fmt::format("{}: no readable variable {}; an SVHN file (train_32x32.mat, test_32x32.mat, "
                                "extra_32x32.mat) holds X and y, so if this is one it is damaged: download it again",
                                file, name));
  return v;
}

// Reads the data of a variable whose header was checked; the size must come out as promised.
VarPtr read_data(MatFile& f, const char* name, const std::string& file, size_t expected_bytes) {
  VarPtr v(Mat_VarRead(f.mat, name), &Mat_VarFree);
  if (!v || !v->data || !matio_message.empty() || v->nbytes != expected_bytes)
    throw DataError(fmt::format("{}: cannot read the data of {}{}; the file is damaged or incomplete: download it again",
                                file, name, matio_reason()));
  return v;
}

}  // namespace

Dataset empty_svhn_split(const std::string& split, const std::string& source) {
  Dataset d;
  d.name = "svhn";
  d.split = split;
  d.source = source;
  d.channels = 3;
  d.height = 32;
  d.width = 32;
  d.num_classes = 10;
  d.class_names = mnist_names();
  return d;
}

void append_svhn_mat(const std::filesystem::path& path, Dataset& out) {
  install_matio_log();
  matio_message.clear();
  const std::string file = path.string();
  check_mat_file(path);
  MatFile f(path);
  if (!f.mat)
    throw DataError(fmt::format("{}: not a MATLAB .mat file that matio can open{}", file, matio_reason()));

  VarPtr x_info = read_info(f, "X", file);
  if (x_info->class_type != MAT_C_UINT8 || x_info->isComplex || x_info->rank != 4 || x_info->dims[0] != 32 ||
      x_info->dims[1] != 32 || x_info->dims[2] != 3)
    throw DataError(fmt::format("{}: X is a {}{} array of {}; SVHN's X is a uint8 array of 32x32x3xN", file,
                                x_info->isComplex ? "complex " : "", class_name(x_info->class_type), dims_str(x_info.get())));
  const size_t n = x_info->dims[3];
  // Deflate expands at most ~1032:1, so a header claiming more images than that is forged;
  // catching it here avoids asking for the memory.
  std::error_code ec;
  const uintmax_t file_bytes = std::filesystem::file_size(path, ec);
  if (!ec && n > file_bytes * 1100 / 3072 + 1024)
    throw DataError(fmt::format("{}: X claims {} images, more than a {}-byte file can hold; the file is damaged",
                                file, n, file_bytes));
  VarPtr y_info = read_info(f, "y", file);
  const size_t y_size = numeric_size(y_info->class_type);
  const bool y_vector = y_info->rank == 2 && ((y_info->dims[0] == n && y_info->dims[1] == 1) ||
                                              (y_info->dims[0] == 1 && y_info->dims[1] == n));
  if (y_size == 0 || y_info->isComplex || !y_vector)
    throw DataError(fmt::format("{}: y is a {}{} array of {} for the {} images of X; SVHN's y is a numeric {}x1 array",
                                file, y_info->isComplex ? "complex " : "", class_name(y_info->class_type),
                                dims_str(y_info.get()), n, n));
  x_info.reset();
  y_info.reset();

  VarPtr y = read_data(f, "y", file, n * y_size);
  const size_t first = out.labels.size();
  out.labels.resize(first + n);
  for (size_t i = 0; i < n; ++i) {
    double v = element(y.get(), i);
    if (!(v >= 1 && v <= 10 && v == std::floor(v)))
      throw DataError(fmt::format("{}: y({}) is {}; SVHN labels are 1..10 (10 for the digit 0)", file, i + 1, v));
    out.labels[first + i] = static_cast<int32_t>(v) % 10;
  }
  y.reset();

  VarPtr x = read_data(f, "X", file, n * 3072);
  const auto* src = static_cast<const uint8_t*>(x->data);
  out.pixels.resize((first + n) * 3072);
  uint8_t* dst = out.pixels.data() + first * 3072;
  // X(row, col, ch, i) sits at row + 32·col + 1024·ch + 3072·i: each plane is stored
  // column by column, so it is transposed into nnlab's row-major planes.
  for (size_t plane = 0; plane < n * 3; ++plane) {
    const uint8_t* s = src + plane * 1024;
    uint8_t* d = dst + plane * 1024;
    for (int row = 0; row < 32; ++row)
      for (int col = 0; col < 32; ++col) d[row * 32 + col] = s[row + 32 * col];
  }
}

}  // namespace nnlab::data::detail
