// folder:PATH — the ImageFolder layout: PATH/CLASS/*.png|*.jpg, one folder per class, the
// classes in sorted order; PATH/train/CLASS and PATH/test/CLASS when it comes split.
// Images are decoded by stb_image.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "nnlab/data/datasets.h"

namespace nnlab::data::detail {

struct DecodedImage {
  int64_t channels = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;  // C×H×W
};

// The channel count stored in an image file (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA).
int stored_channels(std::span<const uint8_t> bytes, const std::string& file);
// Decodes into `channels` (1: luminance, 3: RGB; alpha is dropped). DataError naming the
// file when it is not a readable PNG/JPEG/BMP or is absurdly large.
DecodedImage decode_image(std::span<const uint8_t> bytes, const std::string& file, int channels);

// The train and test splits of an image folder (a seeded split when it has no train/ and
// test/ subfolders).
Splits read_image_folder(const std::filesystem::path& root, const LoadOptions& options);

}  // namespace nnlab::data::detail
