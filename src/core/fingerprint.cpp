#include "nnlab/fingerprint.h"

namespace nnlab {

uint64_t fingerprint(std::span<const std::byte> bytes, uint64_t seed) {
  uint64_t h = seed;
  for (std::byte b : bytes) {
    h ^= static_cast<uint64_t>(b);
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace nnlab
