// Whole-file reads for the dataset readers, with gzip undone transparently: the published
// MNIST-style and scikit-learn files come either way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace nnlab::data::detail {

// The bytes of `path`; DataError naming the file when it cannot be read.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

bool is_gzip(std::span<const uint8_t> bytes);

// Inflates a gzip stream (concatenated members included). DataError naming `file` when
// the stream is corrupt, truncated, followed by junk or larger than max_bytes.
std::vector<uint8_t> gunzip(std::span<const uint8_t> bytes, const std::string& file,
                            size_t max_bytes = size_t{16} << 30);

// read_file_bytes, then gunzip when the file starts with the gzip magic.
std::vector<uint8_t> read_maybe_gzip(const std::filesystem::path& path);

}  // namespace nnlab::data::detail
