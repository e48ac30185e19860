#include "nnlab/data/image_files.h"

#include "data/file_bytes.h"
#include "data/image_folder_reader.h"
#include "nnlab/data/transforms.h"
#include "nnlab/error.h"

namespace nnlab::data {

Dataset read_image_files(const std::vector<std::filesystem::path>& files, int64_t channels, int64_t height,
                         int64_t width) {
  if (channels != 1 && channels != 3)
    throw DataError("images can be read as 1 (grey) or 3 (RGB) channels, not " + std::to_string(channels));
  Dataset d;
  d.name = "images";
  d.split = "predict";
  d.source = files.empty() ? "" : files.front().parent_path().string();
  d.channels = channels;
  d.height = height;
  d.width = width;
  d.num_classes = 1;
  d.class_names = {"?"};
  const int64_t sample = channels * height * width;
  d.pixels.resize(static_cast<size_t>(sample) * files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    std::vector<uint8_t> bytes = detail::read_file_bytes(files[i]);
    detail::DecodedImage img = detail::decode_image(bytes, files[i].string(), static_cast<int>(channels));
    resize_bilinear(img.pixels, img.channels, img.height, img.width,
                    std::span<uint8_t>(d.pixels).subspan(i * sample, sample), height, width);
    d.labels.push_back(0);
  }
  return d;
}

}  // namespace nnlab::data
