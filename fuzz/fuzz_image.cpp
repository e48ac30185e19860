// libFuzzer target: image files as an image folder reads them (stb_image), grey and RGB,
// then resized as --image-size does.
#include <cstdint>
#include <span>

#include "data/image_folder_reader.h"
#include "nnlab/data/transforms.h"
#include "nnlab/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nnlab::data::detail;
  std::span<const uint8_t> bytes(data, size);
  try {
    stored_channels(bytes, "fuzz.png");
    for (int channels : {1, 3}) {
      DecodedImage img = decode_image(bytes, "fuzz.png", channels);
      std::vector<uint8_t> out(static_cast<size_t>(channels) * 16 * 16);
      nnlab::data::resize_bilinear(img.pixels, channels, img.height, img.width, out, 16, 16);
    }
  } catch (const nnlab::DataError&) {
  }
  return 0;
}
