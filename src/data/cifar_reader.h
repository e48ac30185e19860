// CIFAR-10 and CIFAR-100, binary version (Krizhevsky, 2009,
// https://www.cs.toronto.edu/~kriz/cifar.html): fixed-size records of label byte(s)
// followed by a 32×32 image as three 1024-byte planes (red, green, blue), rows first —
// already the C×H×W layout nnlab keeps.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "nnlab/data/datasets.h"

namespace nnlab::data::detail {

struct CifarFormat {
  int label_bytes = 1;  // CIFAR-10: 1; CIFAR-100: 2 (coarse, fine)
  int label_byte = 0;   // which of them is the label
  int32_t num_classes = 10;
};
CifarFormat cifar_format(bool cifar100, bool coarse);

// Appends the records of one .bin file to `out` (which must already be shaped 3×32×32).
// expected_records < 0 accepts any whole number of records; otherwise the count must match
// (CIFAR has no header, so a file cut at a record boundary is caught only this way).
void append_cifar_records(std::span<const uint8_t> bytes, const std::string& file, const CifarFormat& format,
                          int64_t expected_records, Dataset& out);

// Reads both splits from `dir`: either the extracted .bin files or, when `tarball` is
// set, the published archive read in place.
Splits read_cifar(const std::filesystem::path& dir, bool tarball, bool cifar100, bool coarse);

}  // namespace nnlab::data::detail
