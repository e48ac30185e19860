// libFuzzer target: tar archives (any compression libarchive reads) searched for CIFAR members.
#include <cstdint>
#include <span>

#include "data/tar_reader.h"
#include "nnlab/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nnlab::data::detail;
  try {
    read_tar_members_from_memory(std::span<const uint8_t>(data, size), "fuzz.tar.gz",
                                 {"data_batch_1.bin", "test_batch.bin"});
  } catch (const nnlab::DataError&) {
  }
  return 0;
}
