#include "nnlab/data/transforms.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "data/moments.h"
#include "nnlab/error.h"
#include "nnlab/generator.h"

namespace nnlab::data {
namespace {

void require_images(const Dataset& data, const char* what) {
  if (!data.is_image()) throw ShapeError(fmt::format("{}: {} is tabular, not images", what, data.name));
}

// The same samples' labels and metadata, for images about to be rewritten.
Dataset same_meta(const Dataset& data) {
  Dataset out = empty_like(data);
  out.labels = data.labels;
  return out;
}

// Stream salt: the augmentation draws must not coincide with the shuffle's, which also
// derive from the user's seed.
constexpr uint64_t kAugmentSalt = 0x6175676d656e7421ull;

}  // namespace

Normalization compute_normalization(const Dataset& train) {
  detail::Moments m = detail::moments(train);
  Normalization n;
  for (size_t i = 0; i < m.mean.size(); ++i) {
    n.mean.push_back(static_cast<float>(m.mean[i]));
    n.std.push_back(m.std[i] > 0 ? static_cast<float>(m.std[i]) : 1.0f);
  }
  return n;
}

Dataset pad_images(const Dataset& data, int64_t height, int64_t width) {
  require_images(data, "pad_images");
  if (height < data.height || width < data.width)
    throw ShapeError(fmt::format("cannot pad {}x{} images of {} to the smaller {}x{}", data.height, data.width,
                                 data.name, height, width));
  Dataset out = same_meta(data);
  out.height = height;
  out.width = width;
  out.pixels.assign(static_cast<size_t>(data.size() * data.channels * height * width), 0);
  const int64_t top = (height - data.height) / 2, left = (width - data.width) / 2;
  for (int64_t i = 0; i < data.size() * data.channels; ++i) {
    const uint8_t* src = data.pixels.data() + i * data.height * data.width;
    uint8_t* dst = out.pixels.data() + i * height * width;
    for (int64_t y = 0; y < data.height; ++y)
      std::copy_n(src + y * data.width, data.width, dst + (y + top) * width + left);
  }
  return out;
}

void resize_bilinear(std::span<const uint8_t> src, int64_t channels, int64_t height, int64_t width,
                     std::span<uint8_t> dst, int64_t out_height, int64_t out_width) {
  if (height <= 0 || width <= 0 || out_height <= 0 || out_width <= 0 ||
      static_cast<int64_t>(src.size()) != channels * height * width ||
      static_cast<int64_t>(dst.size()) != channels * out_height * out_width)
    throw ShapeError(fmt::format("resize_bilinear: {}x{}x{} to {}x{}x{} does not match buffers of {} and {} bytes",
                                 channels, height, width, channels, out_height, out_width, src.size(), dst.size()));
  // Source coordinate of output pixel i: (i + 0.5)·in/out - 0.5, clamped at 0 — the
  // half-pixel convention of PyTorch's align_corners=False.
  struct Tap {
    int64_t i0, i1;
    float w1;
  };
  auto taps = [](int64_t in, int64_t out) {
    std::vector<Tap> t(out);
    const double scale = static_cast<double>(in) / out;
    for (int64_t i = 0; i < out; ++i) {
      double s = std::max(0.0, (i + 0.5) * scale - 0.5);
      int64_t i0 = std::min<int64_t>(static_cast<int64_t>(s), in - 1);
      t[i] = {i0, std::min(i0 + 1, in - 1), static_cast<float>(s - i0)};
    }
    return t;
  };
  const std::vector<Tap> ty = taps(height, out_height), tx = taps(width, out_width);
  for (int64_t c = 0; c < channels; ++c) {
    const uint8_t* s = src.data() + c * height * width;
    uint8_t* d = dst.data() + c * out_height * out_width;
    for (int64_t y = 0; y < out_height; ++y) {
      const Tap& a = ty[y];
      for (int64_t x = 0; x < out_width; ++x) {
        const Tap& b = tx[x];
        const float top = s[a.i0 * width + b.i0] + b.w1 * (s[a.i0 * width + b.i1] - s[a.i0 * width + b.i0]);
        const float bottom = s[a.i1 * width + b.i0] + b.w1 * (s[a.i1 * width + b.i1] - s[a.i1 * width + b.i0]);
        const float v = top + a.w1 * (bottom - top);
        d[y * out_width + x] = static_cast<uint8_t>(std::clamp(std::lround(v), 0l, 255l));
      }
    }
  }
}

Dataset resize_images(const Dataset& data, int64_t height, int64_t width) {
  require_images(data, "resize_images");
  Dataset out = same_meta(data);
  out.height = height;
  out.width = width;
  if (height <= 0 || width <= 0)
    throw ShapeError(fmt::format("resize_images: cannot resize {} to {}x{}", data.name, height, width));
  const int64_t out_size = data.channels * height * width;
  out.pixels.resize(static_cast<size_t>(data.size() * out_size));
  for (int64_t i = 0; i < data.size(); ++i)
    resize_bilinear(data.image(i), data.channels, data.height, data.width,
                    std::span<uint8_t>(out.pixels).subspan(i * out_size, out_size), height, width);
  return out;
}

void standardize_features(Dataset& data, const Normalization& stats) {
  if (data.is_image()) throw ShapeError(fmt::format("standardize_features: {} holds images", data.name));
  const int64_t f = data.num_features;
  if (static_cast<int64_t>(stats.mean.size()) != f || static_cast<int64_t>(stats.std.size()) != f)
    throw ShapeError(fmt::format("standardize_features: {} statistics for {} features of {}", stats.mean.size(), f,
                                 data.name));
  for (size_t i = 0; i < data.features.size(); ++i) {
    const size_t j = i % f;
    data.features[i] = (data.features[i] - stats.mean[j]) / stats.std[j];
  }
}

Placement draw_placement(const Augment& augment, uint64_t seed, int64_t epoch, int64_t index) {
  Placement p;
  if (!augment.any()) return p;
  Generator gen(Generator::mix(Generator::mix(seed ^ kAugmentSalt, static_cast<uint64_t>(epoch)),
                               static_cast<uint64_t>(index)));
  if (augment.crop_padding > 0) {
    const auto span = static_cast<uint64_t>(2 * augment.crop_padding + 1);
    p.dy = static_cast<int64_t>(gen.below(span)) - augment.crop_padding;
    p.dx = static_cast<int64_t>(gen.below(span)) - augment.crop_padding;
  }
  if (augment.horizontal_flip) p.flip = gen.below(2) == 1;
  return p;
}

void sample_to_float(const Dataset& data, int64_t index, const Placement& placement, const Normalization& norm,
                     std::span<float> out) {
  const int64_t n = data.sample_numel();
  const auto groups = static_cast<size_t>(data.is_image() ? data.channels : data.num_features);
  if (static_cast<int64_t>(out.size()) != n || (!norm.empty() && (norm.mean.size() != groups || norm.std.size() != groups)))
    throw ShapeError(fmt::format("sample_to_float: an output of {} floats and {} normalisation values for samples of {}",
                                 out.size(), norm.mean.size(), shape_str(data.sample_shape())));
  if (!data.is_image()) {
    auto row = data.feature_row(index);
    for (int64_t j = 0; j < n; ++j) out[j] = norm.empty() ? row[j] : (row[j] - norm.mean[j]) / norm.std[j];
    return;
  }
  const int64_t H = data.height, W = data.width;
  auto img = data.image(index);
  for (int64_t c = 0; c < data.channels; ++c) {
    // v/255 normalised is v·scale + shift; a pixel from outside the image is a zero pixel.
    const float scale = norm.empty() ? 1.0f / 255.0f : 1.0f / (255.0f * norm.std[c]);
    const float shift = norm.empty() ? 0.0f : -norm.mean[c] / norm.std[c];
    const uint8_t* src = img.data() + c * H * W;
    float* dst = out.data() + c * H * W;
    for (int64_t y = 0; y < H; ++y) {
      const int64_t sy = y + placement.dy;
      float* row = dst + y * W;
      if (sy < 0 || sy >= H) {
        std::fill_n(row, W, shift);
        continue;
      }
      const uint8_t* srow = src + sy * W;
      for (int64_t x = 0; x < W; ++x) {
        const int64_t sx = (placement.flip ? W - 1 - x : x) + placement.dx;
        row[x] = (sx < 0 || sx >= W) ? shift : srow[sx] * scale + shift;
      }
    }
  }
}

}  // namespace nnlab::data
