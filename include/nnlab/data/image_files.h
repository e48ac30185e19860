// Single image files (PNG, JPEG, BMP) as a Dataset of unlabeled samples, decoded by
// stb_image and resized bilinearly to the size a model takes: what `nnlab predict` reads.
#pragma once

#include <filesystem>
#include <vector>

#include "nnlab/data/dataset.h"

namespace nnlab::data {

// Labels are 0 and num_classes is 1. DataError naming the file for unreadable images.
Dataset read_image_files(const std::vector<std::filesystem::path>& files, int64_t channels, int64_t height,
                         int64_t width);

}  // namespace nnlab::data
