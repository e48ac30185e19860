#include "data/tar_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/core.h>

#include <algorithm>
#include <memory>

#include "nnlab/error.h"

namespace nnlab::data::detail {
namespace {

// CIFAR-100's train.bin, the largest member read, is 153.7 MB.
constexpr size_t kMaxMemberBytes = size_t{512} << 20;

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

ArchivePtr new_reader() {
  ArchivePtr a(archive_read_new(), &archive_read_free);
  if (!a) throw std::bad_alloc();
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  return a;
}

std::string reason(archive* a) {
  const char* msg = archive_error_string(a);
  return msg ? msg : "unknown libarchive error";
}

std::string base_name(const char* path) {
  std::string s = path ? path : "";
  size_t slash = s.find_last_of('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

std::map<std::string, std::vector<uint8_t>> read_members(archive* a, const std::string& file,
                                                         const std::vector<std::string>& wanted) {
  const std::string hint = "; the download may be incomplete: download it again";
  std::map<std::string, std::vector<uint8_t>> found;
  while (true) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      throw DataError(fmt::format("{}: cannot read the archive: {}{}", file, reason(a), hint));
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string name = base_name(archive_entry_pathname(entry));
    if (std::find(wanted.begin(), wanted.end(), name) == wanted.end() || found.count(name)) continue;
    std::vector<uint8_t> data;
    if (archive_entry_size_is_set(entry)) {
      // A forged header may claim any size: reserve no more than a CIFAR file needs.
      data.reserve(static_cast<size_t>(std::clamp<la_int64_t>(archive_entry_size(entry), 0, la_int64_t{1} << 28)));
    }
    uint8_t chunk[1 << 16];
    while (true) {
      la_ssize_t n = archive_read_data(a, chunk, sizeof chunk);
      if (n == 0) break;
      if (n < 0)
        throw DataError(fmt::format("{}: cannot read member {}: {}{}", file, name, reason(a), hint));
      if (data.size() + static_cast<size_t>(n) > kMaxMemberBytes)
        throw DataError(fmt::format("{}: member {} is larger than {} MiB, more than any dataset file it could be",
                                    file, name, kMaxMemberBytes >> 20));
      data.insert(data.end(), chunk, chunk + n);
    }
    found.emplace(std::move(name), std::move(data));
  }
  for (const auto& w : wanted)
    if (!found.count(w)) throw DataError(fmt::format("{}: the archive has no member named {}{}", file, w, hint));
  return found;
}

}  // namespace

std::map<std::string, std::vector<uint8_t>> read_tar_members(const std::filesystem::path& file,
                                                             const std::vector<std::string>& wanted) {
  ArchivePtr a = new_reader();
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 20) != ARCHIVE_OK)
    throw DataError(fmt::format("{}: cannot open the archive: {}", file.string(), reason(a.get())));
  return read_members(a.get(), file.string(), wanted);
}

std::map<std::string, std::vector<uint8_t>> read_tar_members_from_memory(std::span<const uint8_t> bytes,
                                                                         const std::string& file,
                                                                         const std::vector<std::string>& wanted) {
  ArchivePtr a = new_reader();
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    throw DataError(fmt::format("{}: cannot open the archive: {}", file, reason(a.get())));
  return read_members(a.get(), file, wanted);
}

}  // namespace nnlab::data::detail
