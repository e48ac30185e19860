// Members of a tar archive (gzipped or not), read in place with libarchive so that the
// published cifar-10-binary.tar.gz needs no extracting.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace nnlab::data::detail {

// The regular-file members whose base name (the part after the last '/') is in `wanted`,
// keyed by that base name; the first of duplicates wins. Members not wanted are skipped
// without being kept. DataError naming `file` for a corrupt or truncated archive, or one
// that lacks a wanted member.
std::map<std::string, std::vector<uint8_t>> read_tar_members(const std::filesystem::path& file,
                                                             const std::vector<std::string>& wanted);
std::map<std::string, std::vector<uint8_t>> read_tar_members_from_memory(std::span<const uint8_t> bytes,
                                                                         const std::string& file,
                                                                         const std::vector<std::string>& wanted);

}  // namespace nnlab::data::detail
