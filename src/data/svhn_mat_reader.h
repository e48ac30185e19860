// SVHN, format 2 (Netzer et al., "Reading Digits in Natural Images with Unsupervised
// Feature Learning", 2011; http://ufldl.stanford.edu/housenumbers/): MATLAB files holding
// X, 32×32×3×N uint8 in MATLAB's column-major order (X(row, col, channel, n)), and y, N×1
// with the labels 1..10, where 10 stands for the digit 0.
#pragma once

#include <filesystem>

#include "nnlab/data/dataset.h"

namespace nnlab::data::detail {

// Appends the digits of one .mat file to `out` (shaped 3×32×32 already), transposed to
// C×H×W with the label 10 mapped to 0. DataError naming the file when it is not a MAT
// file, lacks X or y, or they have the wrong shape, type or labels.
void append_svhn_mat(const std::filesystem::path& file, Dataset& out);

// An empty SVHN split (3×32×32, classes "0".."9") to append files to.
Dataset empty_svhn_split(const std::string& split, const std::string& source);

}  // namespace nnlab::data::detail
