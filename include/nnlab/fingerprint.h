// A stable 64-bit hash of bytes (FNV-1a): the same on every run and machine, for what ranks
// or runs compare (configurations, data, weights, checkpoints) and for stable file names.
// Not for anything an adversary chooses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace nnlab {

constexpr uint64_t fnv_offset() { return 0xcbf29ce484222325ull; }
// Continues the hash `seed` (start with fnv_offset()) over `bytes`.
uint64_t fingerprint(std::span<const std::byte> bytes, uint64_t seed = fnv_offset());
inline uint64_t fingerprint(std::string_view text, uint64_t seed = fnv_offset()) {
  return fingerprint(std::as_bytes(std::span<const char>(text.data(), text.size())), seed);
}

}  // namespace nnlab
