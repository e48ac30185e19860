#include <fmt/core.h>
#include <stb_image_write.h>

#include <algorithm>

#include "data/bitmap_font.h"
#include "nnlab/data/inspect.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"

namespace nnlab::data {
namespace {

constexpr int64_t kGap = 2;                                   // pixels between tiles
constexpr int64_t kCaption = detail::kGlyphHeight + 4;        // caption band under a tile
constexpr std::array<uint8_t, 3> kBackground = {40, 40, 40};  // gaps and caption band
constexpr std::array<uint8_t, 3> kInk = {255, 255, 255};

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

}  // namespace

void write_image_grid(const Dataset& data, int64_t count, const std::filesystem::path& png, int64_t columns) {
  if (!data.is_image()) throw DataError(fmt::format("{} is a table, not images: there is no grid to draw", data.name));
  count = std::min(count, data.size());
  if (count <= 0 || columns <= 0)
    throw ConfigError(fmt::format("an image grid needs at least one image and one column (got {} and {})", count, columns));
  columns = std::min(columns, count);
  const int64_t rows = (count + columns - 1) / columns;
  const int64_t scale = std::max<int64_t>(1, (64 + data.width - 1) / data.width);
  const int64_t tile_w = data.width * scale, tile_h = data.height * scale;
  const int64_t cell_w = tile_w + kGap, cell_h = tile_h + kCaption + kGap;
  const int64_t width = columns * cell_w + kGap, height = rows * cell_h + kGap;
  if (width * height > (int64_t{1} << 28))
    throw ConfigError(fmt::format("a grid of {} images of {}x{} would be too large; ask for fewer", count, data.width,
                                  data.height));

  std::vector<uint8_t> rgb(static_cast<size_t>(width * height * 3));
  for (size_t i = 0; i < rgb.size(); i += 3) std::copy(kBackground.begin(), kBackground.end(), rgb.begin() + i);
  const int64_t plane = data.height * data.width;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t x0 = kGap + (i % columns) * cell_w, y0 = kGap + (i / columns) * cell_h;
    auto img = data.image(i);
    for (int64_t y = 0; y < tile_h; ++y)
      for (int64_t x = 0; x < tile_w; ++x) {
        const int64_t src = (y / scale) * data.width + x / scale;
        uint8_t* p = rgb.data() + ((y0 + y) * width + x0 + x) * 3;
        for (int c = 0; c < 3; ++c) p[c] = img[(data.channels == 3 ? c : 0) * plane + src];
      }
    const int32_t label = data.labels[i];
    std::string caption = std::to_string(label);
    if (label >= 0 && label < static_cast<int32_t>(data.class_names.size()) && data.class_names[label] != caption)
      caption += " " + data.class_names[label];
    caption.resize(std::min<size_t>(caption.size(), static_cast<size_t>(tile_w / detail::kGlyphAdvance)));
    detail::draw_text(rgb, width, height, x0 + 1, y0 + tile_h + 2, caption, kInk);
  }
  std::string bytes;
  if (!stbi_write_png_to_func(&append_bytes, &bytes, static_cast<int>(width), static_cast<int>(height), 3, rgb.data(),
                              static_cast<int>(width * 3)))
    throw IoError(fmt::format("cannot encode the grid as PNG for {}", png.string()));
  io::write_file_atomic(png, bytes);
}

}  // namespace nnlab::data
