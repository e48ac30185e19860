#include "data/mat_file_check.h"

#include <fmt/core.h>
#include <zlib.h>

#include <array>
#include <fstream>
#include <string_view>
#include <vector>

#include "nnlab/error.h"

namespace nnlab::data::detail {
namespace {

// Element types and classes of the MAT-File Format (MathWorks, "MATLAB 7 MAT-File
// Format", 2018), chapter 1.
constexpr uint32_t miINT32 = 5, miUINT32 = 6, miMATRIX = 14, miCOMPRESSED = 15;
constexpr uint8_t mxDOUBLE_CLASS = 6, mxUINT64_CLASS = 15;
constexpr uint32_t kMaxRank = 32;
// Inner matrix tag, array-flags element, dimensions tag and up to kMaxRank dimensions.
constexpr size_t kPrefix = 8 + 16 + 8 + 4 * kMaxRank;

struct Reader {
  std::ifstream in;
  std::string file;
  bool swap = false;  // the file was written big-endian

  uint32_t u32(const uint8_t* p) const {
    return swap ? uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]
                : uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0];
  }
  [[noreturn]] void fail(const std::string& fault) const {
    throw DataError(fmt::format("{}: {}; the file is damaged or incomplete: download it again", file, fault));
  }
};

// The first bytes of a compressed variable, inflated.
std::vector<uint8_t> inflate_prefix(const std::vector<uint8_t>& compressed, const Reader& r, uint64_t at) {
  std::vector<uint8_t> out(kPrefix);
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) throw std::bad_alloc();
  zs.next_in = const_cast<Bytef*>(compressed.data());
  zs.avail_in = static_cast<uInt>(compressed.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&zs, Z_SYNC_FLUSH);
  out.resize(std::min<size_t>(zs.total_out, kPrefix));
  inflateEnd(&zs);
  if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
    r.fail(fmt::format("the compressed variable at byte {} is corrupt ({})", at, zs.msg ? zs.msg : "inflate failed"));
  return out;
}

// Checks a variable's matrix header: numeric class, a sane number of dimensions.
void check_matrix(const std::vector<uint8_t>& p, const Reader& r, uint64_t at) {
  if (p.size() < 32) r.fail(fmt::format("the variable at byte {} ends inside its header", at));
  if (r.u32(p.data()) != miMATRIX)
    r.fail(fmt::format("the variable at byte {} is not a matrix (element type {})", at, r.u32(p.data())));
  if (r.u32(p.data() + 8) != miUINT32 || r.u32(p.data() + 12) != 8)
    r.fail(fmt::format("the variable at byte {} has no array-flags element", at));
  const uint8_t cls = static_cast<uint8_t>(r.u32(p.data() + 16) & 0xff);
  if (cls < mxDOUBLE_CLASS || cls > mxUINT64_CLASS) {
    static const char* const kinds[] = {"an empty", "a cell", "a struct", "an object", "a char", "a sparse"};
    throw DataError(fmt::format("{}: the variable at byte {} is {} array, not a numeric one; an SVHN file holds only "
                                "the numeric arrays X and y",
                                r.file, at, cls < 6 ? kinds[cls] : "a non-numeric"));
  }
  const uint32_t dims_bytes = r.u32(p.data() + 28);
  if (r.u32(p.data() + 24) != miINT32 || dims_bytes < 8 || dims_bytes % 4 != 0 || dims_bytes > 4 * kMaxRank)
    r.fail(fmt::format("the variable at byte {} claims {} bytes of dimensions", at, dims_bytes));
}

}  // namespace

void check_mat_file(const std::filesystem::path& path) {
  Reader r{std::ifstream(path, std::ios::binary), path.string()};
  if (!r.in) throw DataError(fmt::format("cannot open {}", r.file));
  std::array<uint8_t, 128> header{};
  if (!r.in.read(reinterpret_cast<char*>(header.data()), header.size()))
    r.fail("too short for a MATLAB MAT-file header (128 bytes)");
  // The version reads 0x0100 (v5/v7) or 0x0200 (v7.3) in the writer's byte order, which
  // the endian indicator "IM" (little) or "MI" (big) gives.
  const std::string_view endian(reinterpret_cast<const char*>(header.data()) + 126, 2);
  const bool little = endian == "IM", big = endian == "MI";
  const uint8_t low = little ? header[124] : header[125], version = little ? header[125] : header[124];
  if (!(little || big) || low != 0 || (version != 1 && version != 2))
    throw DataError(fmt::format("{}: not a MATLAB 5 or 7.3 MAT-file (SVHN's files start with a 128-byte header "
                                "ending in version 0x0100 and \"IM\"); download the file again",
                                r.file));
  if (version == 2) return;  // HDF5 inside: the HDF5 library does its own checking
  r.swap = big;

  r.in.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(r.in.tellg());
  uint64_t at = 128;
  while (at < size) {
    std::array<uint8_t, 8> tag{};
    r.in.seekg(static_cast<std::streamoff>(at));
    if (size - at < 8 || !r.in.read(reinterpret_cast<char*>(tag.data()), 8))
      r.fail(fmt::format("{} stray bytes at the end", size - at));
    const uint32_t type = r.u32(tag.data()), bytes = r.u32(tag.data() + 4);
    if (bytes > size - at - 8)
      r.fail(fmt::format("the variable at byte {} claims {} bytes but only {} remain", at, bytes, size - at - 8));
    if (type != miMATRIX && type != miCOMPRESSED)
      r.fail(fmt::format("the element at byte {} has type {}, not a (compressed) matrix", at, type));
    // Deflate's best case is ~1032:1, so 1 KiB of compressed data holds any header.
    std::vector<uint8_t> body(type == miCOMPRESSED ? std::min<uint32_t>(bytes, 1024) : std::min<uint64_t>(bytes, kPrefix - 8));
    r.in.read(reinterpret_cast<char*>(body.data()), static_cast<std::streamsize>(body.size()));
    if (type == miCOMPRESSED) {
      check_matrix(inflate_prefix(body, r, at), r, at);
    } else {
      std::vector<uint8_t> whole(tag.begin(), tag.end());
      whole.insert(whole.end(), body.begin(), body.end());
      check_matrix(whole, r, at);
    }
    at += 8 + uint64_t{bytes};
  }
}

}  // namespace nnlab::data::detail
