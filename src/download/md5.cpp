#include "nnlab/download/md5.h"

#include <openssl/evp.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"

namespace nnlab::download {
namespace fs = std::filesystem;

namespace {

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_MD_CTX, CtxFree>;

Ctx new_md5() {
  Ctx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1)
    throw Error("cannot start an MD5 digest (OpenSSL's EVP_md5)");
  return ctx;
}

std::string finish_hex(EVP_MD_CTX* ctx) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx, digest, &n) != 1) throw Error("cannot finish an MD5 digest");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

bool is_md5(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::string md5_hex(std::string_view bytes) {
  Ctx ctx = new_md5();
  EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  return finish_hex(ctx.get());
}

std::string md5_file(const fs::path& file) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), std::fclose);
  if (!f) throw IoError("cannot read " + file.string() + ": " + std::strerror(errno));
  Ctx ctx = new_md5();
  std::vector<char> buf(size_t{1} << 20);
  while (size_t n = std::fread(buf.data(), 1, buf.size(), f.get())) EVP_DigestUpdate(ctx.get(), buf.data(), n);
  if (std::ferror(f.get())) throw IoError("cannot read " + file.string() + ": " + std::strerror(errno));
  return finish_hex(ctx.get());
}

std::map<std::string, std::string> read_md5sums(const fs::path& listing) {
  const std::string text = io::read_file(listing, io::kConfigFileLimit, "an MD5 listing");
  std::map<std::string, std::string> sums;
  size_t start = 0;
  for (int line_no = 1; start < text.size(); ++line_no) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    // md5sum writes "HEX  NAME" (text mode) or "HEX *NAME" (binary mode).
    const size_t space = line.find(' ');
    std::string hex = line.substr(0, space), name;
    if (space != std::string::npos) {
      size_t at = space + 1;
      if (at < line.size() && (line[at] == ' ' || line[at] == '*')) ++at;
      name = line.substr(at);
    }
    if (!is_md5(hex) || name.empty())
      throw ConfigError(listing.string() + " line " + std::to_string(line_no) +
                        ": expected md5sum output: 32 hex digits, two spaces and a file name");
    for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    sums[fs::path(name).filename().string()] = hex;
  }
  if (sums.empty()) throw ConfigError(listing.string() + ": no sums listed (expected md5sum output)");
  return sums;
}

}  // namespace nnlab::download
