// MD5 digests (OpenSSL's EVP), the checksums dataset publishers list beside their files.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace nnlab::download {

// 32 lowercase hex digits.
std::string md5_hex(std::string_view bytes);
std::string md5_file(const std::filesystem::path& file);  // IoError when it cannot be read

// An `md5sum` listing ("HEX  NAME" or "HEX *NAME" per line), keyed by the file name
// without its directories. IoError or ConfigError naming the file and line when malformed.
std::map<std::string, std::string> read_md5sums(const std::filesystem::path& listing);

}  // namespace nnlab::download
