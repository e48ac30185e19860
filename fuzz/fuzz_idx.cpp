// libFuzzer target: IDX files, gzipped or not, as images (3 dimensions) and labels (1).
#include <cstdint>
#include <span>

#include "data/file_bytes.h"
#include "data/idx_reader.h"
#include "nnlab/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nnlab::data::detail;
  std::span<const uint8_t> bytes(data, size);
  try {
    std::vector<uint8_t> plain;
    if (is_gzip(bytes)) {
      plain = gunzip(bytes, "fuzz.gz", size_t{64} << 20);
      bytes = plain;
    }
    IdxArray labels{{0}, {}};
    try {
      labels = parse_idx(bytes, "fuzz", 1);
    } catch (const nnlab::DataError&) {
    }
    IdxArray images = parse_idx(bytes, "fuzz", 3);
    // Pair the images with labels cut from the same bytes, so the cross-checks run too.
    labels.dims[0] = images.dims[0];
    labels.values.assign(static_cast<size_t>(images.dims[0]), 0);
    for (size_t i = 0; i < labels.values.size() && i < size; ++i) labels.values[i] = data[i] % 12;
    idx_to_dataset(std::move(images), labels, "images", "labels", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  } catch (const nnlab::DataError&) {
  }
  return 0;
}
