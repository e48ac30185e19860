// Transforms: whole-dataset reshaping done once after loading (pad, resize), the
// normalisation statistics, and the per-sample augmentation the DataLoader applies.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nnlab/data/dataset.h"

namespace nnlab::data {

// Per-channel (images, on pixels scaled to [0, 1]) or per-feature (tabular) statistics:
// a sample value v becomes (v - mean) / std. Empty means no normalisation.
struct Normalization {
  std::vector<float> mean;
  std::vector<float> std;
  bool empty() const { return mean.empty(); }
};

// The mean and population standard deviation of each channel (or feature) of `train`. A
// constant feature gets std 1 so that it maps to 0 rather than dividing by zero.
Normalization compute_normalization(const Dataset& train);

// Zero-pads every image to height × width, centred (28×28 → 32×32 adds 2 on each side,
// as LeNet-5 was fed MNIST). Fails if an image is larger than the target.
Dataset pad_images(const Dataset& data, int64_t height, int64_t width);

// Bilinear resize of every image (half-pixel centres, as PyTorch's
// interpolate(mode="bilinear", align_corners=False) without antialiasing), rounded to uint8.
Dataset resize_images(const Dataset& data, int64_t height, int64_t width);
// One C×H×W uint8 image into a C×out_h×out_w buffer.
void resize_bilinear(std::span<const uint8_t> src, int64_t channels, int64_t height, int64_t width,
                     std::span<uint8_t> dst, int64_t out_height, int64_t out_width);

// Standardises tabular features in place: (x - mean) / std per feature.
void standardize_features(Dataset& data, const Normalization& stats);

// Training-time augmentation of image samples.
struct Augment {
  int64_t crop_padding = 0;      // random crop: zero-pad by this much, crop back to H×W
  bool horizontal_flip = false;  // mirror left-right with probability 1/2
  bool any() const { return crop_padding > 0 || horizontal_flip; }
};

// Where the crop window of one sample sits (offset from the unpadded origin, in
// [-crop_padding, crop_padding]) and whether it is mirrored.
struct Placement {
  int64_t dy = 0, dx = 0;
  bool flip = false;
};

// The placement of sample `index` in `epoch`: a pure function of (seed, epoch, index), so
// a batch is the same whichever thread builds it.
Placement draw_placement(const Augment& augment, uint64_t seed, int64_t epoch, int64_t index);

// Sample `index` as floats into `out` (sample_numel values): images are shifted by the
// placement (zeros where the window leaves the image), mirrored, scaled to [0, 1] and
// normalised; tabular rows are normalised.
void sample_to_float(const Dataset& data, int64_t index, const Placement& placement,
                     const Normalization& norm, std::span<float> out);

}  // namespace nnlab::data
