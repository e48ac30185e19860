#include "data/idx_reader.h"

#include <fmt/core.h>

#include "data/file_bytes.h"
#include "nnlab/error.h"

namespace nnlab::data::detail {

IdxArray parse_idx(std::span<const uint8_t> bytes, const std::string& file, int expected_dims) {
  const std::string hint = "; re-download it (see `nnlab data list`)";
  if (bytes.size() < 4)
    throw DataError(fmt::format("{}: {} bytes is too short for an IDX header{}", file, bytes.size(), hint));
  if (bytes[0] != 0 || bytes[1] != 0)
    throw DataError(fmt::format("{}: wrong magic number {:02x} {:02x} {:02x} {:02x} (an IDX file starts with 00 00); "
                                "is it an IDX file{}?",
                                file, bytes[0], bytes[1], bytes[2], bytes[3], is_gzip(bytes) ? " (it looks doubly gzipped)" : ""));
  if (bytes[2] != 0x08)
    throw DataError(fmt::format("{}: IDX element type 0x{:02x} is not supported (only 0x08, unsigned byte)", file, bytes[2]));
  if (bytes[3] != expected_dims)
    throw DataError(fmt::format("{}: an IDX array of {} dimensions where {} were expected ({}){}", file, bytes[3],
                                expected_dims, expected_dims == 3 ? "images: count, rows, columns" : "labels: count", hint));
  const size_t header = 4 + 4 * static_cast<size_t>(expected_dims);
  if (bytes.size() < header)
    throw DataError(fmt::format("{}: truncated IDX header ({} of {} bytes){}", file, bytes.size(), header, hint));
  IdxArray out;
  uint64_t count = 1;
  for (int d = 0; d < expected_dims; ++d) {
    const uint8_t* p = bytes.data() + 4 + 4 * d;
    const uint32_t dim = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
    if (dim == 0)
      throw DataError(fmt::format("{}: dimension {} of the IDX array is 0, so it holds nothing{}", file, d + 1, hint));
    out.dims.push_back(dim);
    count *= dim;  // at most three 32-bit factors; checked against the size before any use
    if (count > (uint64_t{1} << 40))
      throw DataError(fmt::format("{}: the IDX header claims an absurd size{}", file, hint));
  }
  const uint64_t available = bytes.size() - header;
  if (available != count) {
    std::string dims;
    for (int64_t d : out.dims) dims += fmt::format("{}{}", dims.empty() ? "" : "x", d);
    throw DataError(fmt::format("{}: the IDX header says {} ({} values) but the file holds {} bytes of values: {}{}",
                                file, dims, count, available, available < count ? "it is truncated" : "it has trailing data",
                                hint));
  }
  out.values.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return out;
}

Dataset idx_to_dataset(IdxArray images, const IdxArray& labels, const std::string& images_file,
                       const std::string& labels_file, const std::vector<std::string>& class_names) {
  if (images.dims[0] != labels.dims[0])
    throw DataError(fmt::format("{} holds {} images but {} holds {} labels: the two files do not belong together; "
                                "re-download both",
                                images_file, images.dims[0], labels_file, labels.dims[0]));
  for (size_t i = 0; i < labels.values.size(); ++i)
    if (labels.values[i] >= class_names.size())
      throw DataError(fmt::format("{}: label {} of sample {} is outside 0..{}", labels_file, labels.values[i], i,
                                  class_names.size() - 1));
  Dataset out;
  out.source = images_file;
  out.channels = 1;
  out.height = images.dims[1];
  out.width = images.dims[2];
  out.pixels = std::move(images.values);
  out.labels.assign(labels.values.begin(), labels.values.end());
  out.num_classes = static_cast<int32_t>(class_names.size());
  out.class_names = class_names;
  return out;
}

Dataset read_idx_split(const std::filesystem::path& images, const std::filesystem::path& labels,
                       const std::string& name, const std::string& split,
                       const std::vector<std::string>& class_names) {
  IdxArray x = parse_idx(read_maybe_gzip(images), images.string(), 3);
  IdxArray y = parse_idx(read_maybe_gzip(labels), labels.string(), 1);
  Dataset out = idx_to_dataset(std::move(x), y, images.string(), labels.string(), class_names);
  out.name = name;
  out.split = split;
  return out;
}

}  // namespace nnlab::data::detail
