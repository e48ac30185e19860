// libFuzzer target: CIFAR-10 and CIFAR-100 record files, with and without an expected count.
#include <cstdint>
#include <span>

#include "data/cifar_reader.h"
#include "nnlab/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nnlab::data::detail;
  std::span<const uint8_t> bytes(data, size);
  for (int variant = 0; variant < 3; ++variant) {
    nnlab::data::Dataset out;
    out.channels = 3;
    out.height = out.width = 32;
    try {
      append_cifar_records(bytes, "fuzz.bin", cifar_format(variant > 0, variant == 2), variant == 0 ? -1 : 1, out);
      if (out.pixels.size() != out.labels.size() * 3072) __builtin_trap();
    } catch (const nnlab::DataError&) {
    }
  }
  return 0;
}
