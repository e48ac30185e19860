// What `nnlab data inspect` shows of a split: counts, shape, class balance and pixel
// statistics, and a contact sheet of its first images.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "nnlab/data/dataset.h"

namespace nnlab::data {

struct SplitSummary {
  int64_t count = 0;
  Shape shape;                           // [C, H, W] or [F]
  std::vector<int64_t> label_histogram;  // indexed by class
  std::vector<double> mean, std;         // per channel (pixels in [0, 1]) or per feature
};
SplitSummary summarize(const Dataset& data);

// Writes a PNG of the first `count` images, `columns` to a row, each scaled up by a whole
// factor to at least 64 pixels wide and captioned with its label and class name.
void write_image_grid(const Dataset& data, int64_t count, const std::filesystem::path& png, int64_t columns = 8);

}  // namespace nnlab::data
