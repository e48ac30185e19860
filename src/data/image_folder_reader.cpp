#include "data/image_folder_reader.h"

#include <fmt/core.h>
#include <stb_image.h>

#include <algorithm>
#include <memory>
#include <system_error>

#include "data/file_bytes.h"
#include "nnlab/data/transforms.h"
#include "nnlab/error.h"

namespace nnlab::data::detail {
namespace fs = std::filesystem;
namespace {

// Bigger than any image a classifier here is trained on; a header claiming more is more
// likely forged than real, and would cost gigabytes to decode.
constexpr int64_t kMaxPixels = int64_t{1} << 26;

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

bool hidden(const fs::path& p) { return p.filename().string().starts_with("."); }

std::vector<fs::path> sorted_entries(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (hidden(e.path())) continue;
    if (directories ? e.is_directory(ec) : (e.is_regular_file(ec) && is_image_file(e.path()))) out.push_back(e.path());
  }
  if (ec) throw DataError(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

struct Entry {
  fs::path file;
  int32_t label;
};

// The images under root/CLASS/, labelled by the position of CLASS in `classes`.
std::vector<Entry> list_images(const fs::path& root, const std::vector<std::string>& classes) {
  std::vector<Entry> entries;
  for (const auto& dir : sorted_entries(root, true)) {
    const std::string cls = dir.filename().string();
    auto it = std::find(classes.begin(), classes.end(), cls);
    if (it == classes.end())
      throw DataError(fmt::format("{}: class folder {} is not among the training classes", root.string(), cls));
    auto files = sorted_entries(dir, false);
    if (files.empty())
      throw DataError(fmt::format("{}: class folder {} holds no .png, .jpg, .jpeg or .bmp images", root.string(), cls));
    for (auto& f : files) entries.push_back({f, static_cast<int32_t>(it - classes.begin())});
  }
  return entries;
}

std::vector<std::string> class_names_in(const fs::path& root) {
  std::vector<std::string> names;
  for (const auto& dir : sorted_entries(root, true)) names.push_back(dir.filename().string());
  if (names.empty())
    throw DataError(fmt::format("{}: no class folders; the layout is {}/CLASS/*.png (or *.jpg), one folder per class",
                                root.string(), root.string()));
  return names;
}

int choose_channels(const std::vector<Entry>& entries, int64_t requested) {
  if (requested == 1 || requested == 3) return static_cast<int>(requested);
  if (requested != 0) throw ConfigError(fmt::format("image channels {} is not supported (1 or 3)", requested));
  for (const auto& e : entries)
    if (stored_channels(read_file_bytes(e.file), e.file.string()) > 2) return 3;
  return 1;
}

Dataset read_entries(const std::vector<Entry>& entries, const std::vector<std::string>& classes, int channels,
                     const LoadOptions& options, const fs::path& root, const std::string& split) {
  Dataset out;
  out.name = options.name;
  out.split = split;
  out.source = root.string();
  out.channels = channels;
  out.num_classes = static_cast<int32_t>(classes.size());
  out.class_names = classes;
  std::string first_file;
  for (const auto& e : entries) {
    DecodedImage img = decode_image(read_file_bytes(e.file), e.file.string(), channels);
    if (options.image_size > 0) {
      DecodedImage resized{channels, options.image_size, options.image_size,
                           std::vector<uint8_t>(channels * options.image_size * options.image_size)};
      resize_bilinear(img.pixels, channels, img.height, img.width, resized.pixels, resized.height, resized.width);
      img = std::move(resized);
    }
    if (out.height == 0) {
      out.height = img.height;
      out.width = img.width;
      first_file = e.file.string();
    } else if (img.height != out.height || img.width != out.width) {
      throw DataError(fmt::format("{} is {}x{} but {} is {}x{}; pass `image_size` N to resize every image to NxN",
                                  e.file.string(), img.width, img.height, first_file, out.width, out.height));
    }
    out.pixels.insert(out.pixels.end(), img.pixels.begin(), img.pixels.end());
    out.labels.push_back(e.label);
  }
  return out;
}

}  // namespace

int stored_channels(std::span<const uint8_t> bytes, const std::string& file) {
  int w = 0, h = 0, comp = 0;
  if (bytes.size() > INT32_MAX || !stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &comp))
    throw DataError(fmt::format("{}: not an image stb_image can read ({})", file,
                                bytes.size() > INT32_MAX ? "over 2 GiB" : stbi_failure_reason()));
  return comp;
}

DecodedImage decode_image(std::span<const uint8_t> bytes, const std::string& file, int channels) {
  int w = 0, h = 0, comp = 0;
  if (bytes.size() > INT32_MAX || !stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &comp))
    throw DataError(fmt::format("{}: not an image stb_image can read ({})", file,
                                bytes.size() > INT32_MAX ? "over 2 GiB" : stbi_failure_reason()));
  if (w <= 0 || h <= 0 || int64_t{w} * h > kMaxPixels)
    throw DataError(fmt::format("{}: the header claims {}x{} pixels; that is too large to be a training image", file, w, h));
  std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> data(
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &comp, channels), &stbi_image_free);
  if (!data) throw DataError(fmt::format("{}: cannot decode the image ({})", file, stbi_failure_reason()));
  DecodedImage out{channels, h, w, std::vector<uint8_t>(static_cast<size_t>(channels) * w * h)};
  // stb_image gives interleaved rows (HWC); nnlab keeps planes (CHW).
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t p = 0; p < int64_t{w} * h; ++p) out.pixels[c * w * h + p] = data.get()[p * channels + c];
  return out;
}

Splits read_image_folder(const fs::path& root, const LoadOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw DataError(fmt::format("folder dataset {}: no such directory; the layout is {}/CLASS/*.png (or *.jpg)",
                                root.string(), root.string()));
  if (options.image_size < 0) throw ConfigError(fmt::format("image size {} is negative", options.image_size));
  const bool presplit = fs::is_directory(root / "train", ec) && fs::is_directory(root / "test", ec);
  const fs::path train_root = presplit ? root / "train" : root;
  const std::vector<std::string> classes = class_names_in(train_root);
  std::vector<Entry> train = list_images(train_root, classes);
  std::vector<Entry> test = presplit ? list_images(root / "test", classes) : std::vector<Entry>{};
  std::vector<Entry> all = train;
  all.insert(all.end(), test.begin(), test.end());
  const int channels = choose_channels(all, options.channels);
  Dataset train_set = read_entries(train, classes, channels, options, train_root, "train");
  if (!presplit) {
    auto [a, b] = stratified_split(train_set, options.test_fraction, options.split_seed, "train", "test");
    return {std::move(a), std::move(b)};
  }
  Dataset test_set = read_entries(test, classes, channels, options, root / "test", "test");
  if (test_set.height != train_set.height || test_set.width != train_set.width)
    throw DataError(fmt::format("{}: test images are {}x{} but training images are {}x{}; pass `image_size` N",
                                root.string(), test_set.width, test_set.height, train_set.width, train_set.height));
  return {std::move(train_set), std::move(test_set)};
}

}  // namespace nnlab::data::detail
