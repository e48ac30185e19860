// libFuzzer target: the restricted unpickler and CIFAR's Python-version batches and meta
// files read through it (CIFAR-10, CIFAR-100 fine and coarse).
#include <cstdint>
#include <span>

#include "data/cifar_python_reader.h"
#include "data/pickle_reader.h"
#include "nnlab/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nnlab::data::detail;
  std::span<const uint8_t> bytes(data, size);
  try {
    Pickle p = Pickle::parse(bytes, "fuzz.pkl");
    (void)p.find(p.root(), "data");
  } catch (const nnlab::DataError&) {
    return 0;  // what the parser refuses, the readers refuse the same way
  }
  for (int variant = 0; variant < 3; ++variant) {
    nnlab::data::Dataset out;
    out.channels = 3;
    out.height = out.width = 32;
    try {
      append_cifar_python_batch(bytes, "fuzz.pkl", variant > 0, variant == 2, out);
      if (out.pixels.size() != out.labels.size() * 3072) __builtin_trap();
    } catch (const nnlab::DataError&) {
    }
    try {
      (void)cifar_python_class_names(bytes, "fuzz.pkl", variant > 0, variant == 2);
    } catch (const nnlab::DataError&) {
    }
  }
  return 0;
}
