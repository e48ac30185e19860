#include "nnlab/io/safetensors.h"

#include <fstream>
#include <limits>

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"

namespace nnlab {

const StateEntry* find_entry(const StateDict& dict, const std::string& name) {
  for (const StateEntry& e : dict)
    if (e.name == name) return &e;
  return nullptr;
}

namespace io {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

using json = nlohmann::json;

// Header sizes beyond this are corrupt rather than real (the reference implementation caps at 100 MB).
constexpr uint64_t kMaxHeader = 100u << 20;

size_t dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

template <class T>
T load_le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

float element(const std::string& dtype, const char* p) {
  if (dtype == "F32") return load_le<float>(p);
  if (dtype == "F64") return static_cast<float>(load_le<double>(p));
  if (dtype == "F16") return half_to_float(load_le<uint16_t>(p));
  if (dtype == "BF16") return std::bit_cast<float>(static_cast<uint32_t>(load_le<uint16_t>(p)) << 16);
  if (dtype == "I64") return static_cast<float>(load_le<int64_t>(p));
  if (dtype == "U64") return static_cast<float>(load_le<uint64_t>(p));
  if (dtype == "I32") return static_cast<float>(load_le<int32_t>(p));
  if (dtype == "U32") return static_cast<float>(load_le<uint32_t>(p));
  if (dtype == "I16") return static_cast<float>(load_le<int16_t>(p));
  if (dtype == "U16") return static_cast<float>(load_le<uint16_t>(p));
  if (dtype == "I8") return static_cast<float>(load_le<int8_t>(p));
  return static_cast<float>(load_le<uint8_t>(p));  // U8, BOOL
}

}  // namespace

TensorFile parse_safetensors(std::string_view bytes, const std::string& source) {
  auto fail = [&](const std::string& what) -> IoError {
    return IoError(fmt::format("{}: not a valid safetensors file: {}", source, what));
  };
  if (bytes.size() < 8) throw fail(fmt::format("{} bytes, too short for the 8-byte header length", bytes.size()));
  const uint64_t header_len = load_le<uint64_t>(bytes.data());
  if (header_len > kMaxHeader)
    throw fail(fmt::format("its JSON header would be {} bytes, above the format's limit of {} MB that nnlab keeps "
                           "(a real header is a few kB: the file is corrupt or not safetensors)",
                           header_len, kMaxHeader >> 20));
  if (header_len > bytes.size() - 8)
    throw fail(fmt::format("header length {} exceeds the file size {} (truncated or corrupt)", header_len,
                           bytes.size()));
  json header;
  try {
    header = json::parse(bytes.substr(8, header_len));
  } catch (const json::exception& e) {
    throw fail(std::string("the JSON header does not parse: ") + e.what());
  }
  if (!header.is_object()) throw fail("the JSON header is not an object");
  const std::string_view data = bytes.substr(8 + header_len);

  TensorFile file;
  struct Span {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Span> spans;
  for (auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) throw fail("__metadata__ is not an object of strings");
      for (auto& [k, v] : info.items()) {
        if (!v.is_string()) throw fail(fmt::format("metadata '{}' is not a string", k));
        file.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    try {
      const std::string dtype = info.at("dtype").get<std::string>();
      const size_t esize = dtype_size(dtype);
      if (esize == 0) throw fail(fmt::format("tensor '{}' has unsupported dtype '{}'", name, dtype));
      Shape shape;
      for (auto& d : info.at("shape")) {
        const int64_t v = d.get<int64_t>();
        if (v < 0) throw fail(fmt::format("tensor '{}' has a negative dimension", name));
        shape.push_back(v);
      }
      const auto offsets = info.at("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data.size())
        throw fail(fmt::format("tensor '{}' has data offsets outside the {} data bytes (truncated file?)", name,
                               data.size()));
      const uint64_t count = static_cast<uint64_t>(shape_numel(shape));
      if (offsets[1] - offsets[0] != count * esize)
        throw fail(fmt::format("tensor '{}' of shape {} and dtype {} needs {} bytes, its offsets span {}", name,
                               shape_str(shape), dtype, count * esize, offsets[1] - offsets[0]));
      Tensor t = Tensor::empty(shape);
      const char* p = data.data() + offsets[0];
      for (uint64_t i = 0; i < count; ++i) t.data()[i] = element(dtype, p + i * esize);
      const bool integer = dtype[0] == 'I' || dtype[0] == 'U' || dtype == "BOOL";
      file.tensors.push_back({name, t, integer});
      spans.push_back({offsets[0], offsets[1], name});
    } catch (const json::exception& e) {
      throw fail(fmt::format("entry '{}' lacks a valid dtype, shape or data_offsets ({})", name, e.what()));
    }
  }
  // Tensors must tile the data without overlap, as the format requires.
  std::sort(spans.begin(), spans.end(), [](auto& a, auto& b) { return a.begin < b.begin; });
  uint64_t at = 0;
  for (const Span& s : spans) {
    if (s.begin != at) throw fail(fmt::format("tensor '{}' overlaps another or leaves a gap at byte {}", s.name, at));
    at = s.end;
  }
  if (at != data.size()) throw fail(fmt::format("{} bytes after the last tensor", data.size() - at));
  std::vector<std::string> order;
  for (const Span& s : spans) order.push_back(s.name);
  std::stable_sort(file.tensors.begin(), file.tensors.end(), [&](const StateEntry& a, const StateEntry& b) {
    return std::find(order.begin(), order.end(), a.name) < std::find(order.begin(), order.end(), b.name);
  });
  return file;
}

TensorFile load_safetensors(const std::filesystem::path& path) {
  return parse_safetensors(read_file(path, std::numeric_limits<size_t>::max(), "a safetensors file"), path.string());
}

std::map<std::string, std::string> load_safetensors_metadata(const std::filesystem::path& path) {
  auto fail = [&](const std::string& what) -> IoError {
    return IoError(fmt::format("{}: not a valid safetensors file: {}", path.string(), what));
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot open {}", path.string()));
  char len[8];
  if (!in.read(len, 8)) throw fail("too short for the 8-byte header length");
  const uint64_t header_len = load_le<uint64_t>(len);
  if (header_len > kMaxHeader) throw fail(fmt::format("its JSON header would be {} bytes", header_len));
  std::string text(header_len, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(header_len))) throw fail("the header is truncated");
  std::map<std::string, std::string> out;
  try {
    const json header = json::parse(text);
    if (header.contains("__metadata__"))
      for (auto& [k, v] : header.at("__metadata__").items()) out[k] = v.get<std::string>();
  } catch (const json::exception& e) {
    throw fail(std::string("the JSON header does not parse: ") + e.what());
  }
  return out;
}

std::string serialize_safetensors(const StateDict& tensors, const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const StateEntry& e : tensors) {
    if (header.contains(e.name)) throw IoError(fmt::format("safetensors: duplicate tensor name '{}'", e.name));
    const uint64_t bytes = static_cast<uint64_t>(e.tensor.numel()) * (e.integer ? 8 : 4);
    header[e.name] = {{"dtype", e.integer ? "I64" : "F32"},
                      {"shape", e.tensor.shape()},
                      {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string head = header.dump();
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  head.append((8 - head.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const uint64_t len = head.size();
  std::memcpy(out.data(), &len, 8);
  out += head;
  out.reserve(out.size() + offset);
  for (const StateEntry& e : tensors) {
    Tensor c = e.tensor.contiguous();
    if (e.integer) {
      for (int64_t i = 0; i < c.numel(); ++i) {
        const int64_t v = static_cast<int64_t>(std::llround(c.data()[i]));
        out.append(reinterpret_cast<const char*>(&v), 8);
      }
    } else {
      out.append(reinterpret_cast<const char*>(c.data()), sizeof(float) * c.numel());
    }
  }
  return out;
}

void save_safetensors(const std::filesystem::path& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, serialize_safetensors(tensors, metadata));
}

}  // namespace io
}  // namespace nnlab
