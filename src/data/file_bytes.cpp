#include "data/file_bytes.h"

#include <fmt/core.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "nnlab/error.h"
#include "nnlab/memory_budget.h"

namespace nnlab::data::detail {

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw DataError(fmt::format("{} is a directory, not a data file: give the file itself", path.string()));
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw DataError(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  const std::streamoff size = in.tellg();
  if (size < 0) throw DataError(fmt::format("cannot read {}: not a regular file", path.string()));
  require_memory(static_cast<uint64_t>(size), "reading " + path.string(), "is it the right file?");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw DataError(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  return bytes;
}

bool is_gzip(std::span<const uint8_t> bytes) { return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b; }

namespace {

struct Inflater {
  z_stream zs{};
  Inflater() {
    // 16 + MAX_WBITS: gzip framing only, so a zlib or raw stream is rejected as not gzip.
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
  }
  ~Inflater() { inflateEnd(&zs); }
};

}  // namespace

std::vector<uint8_t> gunzip(std::span<const uint8_t> bytes, const std::string& file, size_t max_bytes) {
  if (!is_gzip(bytes)) throw DataError(fmt::format("{}: not a gzip file (it does not start with 1f 8b)", file));
  Inflater inf;
  std::vector<uint8_t> out;
  // The gzip trailer stores the last member's size mod 2^32: a good first guess.
  size_t guess = bytes.size() >= 4 ? (size_t{bytes[bytes.size() - 4]} | size_t{bytes[bytes.size() - 3]} << 8 |
                                      size_t{bytes[bytes.size() - 2]} << 16 | size_t{bytes[bytes.size() - 1]} << 24)
                                   : 0;
  // Deflate expands at most ~1032:1, which bounds a forged trailer's claim.
  guess = std::min(guess, bytes.size() * 1032);
  out.resize(std::min(std::max<size_t>(guess + 1, 1 << 16), max_bytes + 1));
  size_t produced = 0;
  size_t consumed = 0;
  while (true) {
    if (produced == out.size()) {
      if (out.size() > max_bytes)
        throw DataError(fmt::format("{}: decompresses to more than {} bytes; it is not a dataset file", file, max_bytes));
      out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    inf.zs.next_in = const_cast<Bytef*>(bytes.data() + consumed);
    const size_t in_chunk = std::min<size_t>(bytes.size() - consumed, 1u << 30);
    inf.zs.avail_in = static_cast<uInt>(in_chunk);
    inf.zs.next_out = out.data() + produced;
    const size_t out_chunk = std::min<size_t>(out.size() - produced, 1u << 30);
    inf.zs.avail_out = static_cast<uInt>(out_chunk);
    int rc = inflate(&inf.zs, Z_NO_FLUSH);
    consumed += in_chunk - inf.zs.avail_in;
    produced += out_chunk - inf.zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (consumed == bytes.size()) break;
      // Another gzip member may follow (gzip -c a b > ab); anything else is junk.
      if (!is_gzip(bytes.subspan(consumed)))
        throw DataError(fmt::format("{}: {} bytes of junk after the end of the gzip stream", file,
                                    bytes.size() - consumed));
      inflateReset(&inf.zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && consumed == bytes.size() && inf.zs.avail_out > 0)
      throw DataError(fmt::format("{}: the gzip stream is truncated (the download was cut short?)", file));
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      throw DataError(fmt::format("{}: corrupt gzip data ({})", file, inf.zs.msg ? inf.zs.msg : "inflate failed"));
  }
  if (produced > max_bytes)
    throw DataError(fmt::format("{}: decompresses to more than {} bytes; it is not a dataset file", file, max_bytes));
  out.resize(produced);
  return out;
}

std::vector<uint8_t> read_maybe_gzip(const std::filesystem::path& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  if (!is_gzip(bytes)) return bytes;
  return gunzip(bytes, path.string());
}

}  // namespace nnlab::data::detail
