// IDX: the format of MNIST and Fashion-MNIST (LeCun et al., http://yann.lecun.com/exdb/mnist/).
// Two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, each
// dimension as a big-endian 32-bit count, then the values in row-major order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "nnlab/data/dataset.h"

namespace nnlab::data::detail {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;
};

// Parses an unsigned-byte IDX array with `expected_dims` dimensions. DataError naming
// `file` for a wrong magic, type or rank, or a size that disagrees with the header.
IdxArray parse_idx(std::span<const uint8_t> bytes, const std::string& file, int expected_dims);

// Pairs an idx3 image file with its idx1 label file (each gzipped or not): counts must
// agree and every label must be below class_names.size().
Dataset read_idx_split(const std::filesystem::path& images, const std::filesystem::path& labels,
                       const std::string& name, const std::string& split,
                       const std::vector<std::string>& class_names);

// Checks an image array and a label array against each other and builds the split.
Dataset idx_to_dataset(IdxArray images, const IdxArray& labels, const std::string& images_file,
                       const std::string& labels_file, const std::vector<std::string>& class_names);

}  // namespace nnlab::data::detail
