#include "data/cifar_python_reader.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "data/catalog.h"
#include "data/file_bytes.h"
#include "data/pickle_reader.h"
#include "data/tar_reader.h"
#include "nnlab/error.h"
#include "nnlab/memory_budget.h"

namespace nnlab::data::detail {
namespace {

using Kind = PickleNode::Kind;
constexpr int64_t kImageBytes = 3 * 32 * 32;
const char* const kHint = "; the file is damaged or not CIFAR's: download the dataset again";

struct PythonFiles {
  std::vector<std::string> train;
  std::string test;
  std::string meta;
};

PythonFiles python_files(bool cifar100) {
  if (cifar100) return {{"train"}, "test", "meta"};
  return {{"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"}, "test_batch",
          "batches.meta"};
}

const PickleNode& entry(const Pickle& p, const std::string& file, std::string_view key) {
  if (p.root().kind != Kind::Dict)
    throw DataError(fmt::format("{}: the pickle holds a {}, not the dict of a CIFAR batch{}", file,
                                kind_name(p.root().kind), kHint));
  const PickleNode* n = p.find(p.root(), key);
  if (!n) throw DataError(fmt::format("{}: the pickled dict has no key '{}'{}", file, key, kHint));
  return *n;
}

// The labels: a list of ints (as published) or a 1-D integer array (a re-saved copy).
std::vector<int64_t> labels_of(const Pickle& p, const std::string& file, std::string_view key) {
  const PickleNode& n = entry(p, file, key);
  std::vector<int64_t> out;
  if (n.kind == Kind::List) {
    for (uint32_t i : n.items) {
      const PickleNode& v = p.at(i);
      if (v.kind != Kind::Int)
        throw DataError(fmt::format("{}: '{}' holds a {} at index {}, not an int{}", file, key, kind_name(v.kind),
                                    out.size(), kHint));
      out.push_back(v.value);
    }
    return out;
  }
  if (n.kind == Kind::Array && n.shape.size() == 1) {
    const std::string_view data = p.array_data(n);
    const auto size = static_cast<size_t>(n.value);
    for (size_t off = 0; off < data.size(); off += size) {
      uint64_t v = 0;
      std::memcpy(&v, data.data() + off, size);
      if (n.is_signed && size < 8 && (v >> (8 * size - 1)) & 1) v |= ~uint64_t{0} << (8 * size);
      out.push_back(static_cast<int64_t>(v));
    }
    return out;
  }
  throw DataError(fmt::format("{}: '{}' is a {}, not a list of ints{}", file, key, kind_name(n.kind), kHint));
}

Dataset empty_split(bool cifar100, const std::string& split, const std::string& source) {
  Dataset d;
  d.name = cifar100 ? "cifar100" : "cifar10";
  d.split = split;
  d.source = source;
  d.channels = 3;
  d.height = 32;
  d.width = 32;
  return d;
}

}  // namespace

bool is_cifar_python_form(const std::string& form) {
  return form == "python" || form == "cifar-10-python.tar.gz" || form == "cifar-10-batches-py.tar.gz" ||
         form == "cifar-100-python.tar.gz";
}

void append_cifar_python_batch(std::span<const uint8_t> bytes, const std::string& file, bool cifar100, bool coarse,
                               Dataset& out) {
  const Pickle p = Pickle::parse(bytes, file);
  const PickleNode& data = entry(p, file, "data");
  if (data.kind != Kind::Array || data.value != 1 || data.is_signed || data.shape.size() != 2 ||
      data.shape[1] != kImageBytes) {
    std::string what = kind_name(data.kind);
    if (data.kind == Kind::Array) {
      std::string dims;
      for (int64_t d : data.shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
      what = fmt::format("numpy array of shape ({}) and {}{}-byte items", dims, data.is_signed ? "signed " : "",
                         data.value);
    }
    throw DataError(fmt::format("{}: 'data' is a {}, not a uint8 array of shape (N, 3072){}", file, what, kHint));
  }
  const char* key = !cifar100 ? "labels" : coarse ? "coarse_labels" : "fine_labels";
  const int64_t classes = !cifar100 ? 10 : coarse ? 20 : 100;
  const std::vector<int64_t> labels = labels_of(p, file, key);
  const int64_t n = data.shape[0];
  if (static_cast<int64_t>(labels.size()) != n)
    throw DataError(fmt::format("{}: {} images but {} entries in '{}'{}", file, n, labels.size(), key, kHint));
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= classes)
      throw DataError(fmt::format("{}: '{}' has label {} at index {}, outside 0..{}{}", file, key, labels[i], i,
                                  classes - 1, kHint));
  require_memory(static_cast<uint64_t>(n) * kImageBytes, "the images of " + file, "is it the right file?");
  const std::string_view pixels = p.array_data(data);
  out.pixels.insert(out.pixels.end(), pixels.begin(), pixels.end());
  out.labels.insert(out.labels.end(), labels.begin(), labels.end());
}

std::vector<std::string> cifar_python_class_names(std::span<const uint8_t> bytes, const std::string& file,
                                                  bool cifar100, bool coarse) {
  const Pickle p = Pickle::parse(bytes, file);
  const char* key = !cifar100 ? "label_names" : coarse ? "coarse_label_names" : "fine_label_names";
  const size_t classes = !cifar100 ? 10 : coarse ? 20 : 100;
  const PickleNode& list = entry(p, file, key);
  std::vector<std::string> names;
  if (list.kind == Kind::List)
    for (uint32_t i : list.items)
      if (p.at(i).kind == Kind::Bytes || p.at(i).kind == Kind::Str) names.push_back(p.at(i).bytes);
  if (list.kind != Kind::List || names.size() != list.items.size() || names.size() != classes)
    throw DataError(fmt::format("{}: '{}' is not a list of {} names{}", file, key, classes, kHint));
  return names;
}

Splits read_cifar_python(const std::filesystem::path& dir, const std::string& form, bool cifar100, bool coarse) {
  const PythonFiles files = python_files(cifar100);
  const bool tarball = form != "python";
  std::vector<std::string> wanted = files.train;
  wanted.push_back(files.test);
  std::map<std::string, std::vector<uint8_t>> members;
  const std::filesystem::path archive = dir / form;
  if (tarball) {
    wanted.push_back(files.meta);
    members = read_tar_members(archive, wanted);
  }
  const std::string source = tarball ? archive.string() : dir.string();
  auto bytes_of = [&](const std::string& member) {
    return tarball ? std::move(members.at(member)) : read_file_bytes(dir / member);
  };
  auto label_of = [&](const std::string& member) {
    return tarball ? archive.string() + ":" + member : (dir / member).string();
  };

  Splits s{empty_split(cifar100, "train", source), empty_split(cifar100, "test", source)};
  std::error_code ec;
  std::vector<std::string> names =
      cifar100 ? (coarse ? cifar100_coarse_names() : cifar100_fine_names()) : cifar10_names();
  // The meta file is optional in a folder (the batches say everything else); its names win.
  if (tarball || std::filesystem::is_regular_file(dir / files.meta, ec))
    names = cifar_python_class_names(bytes_of(files.meta), label_of(files.meta), cifar100, coarse);
  for (Dataset* d : {&s.train, &s.test}) {
    d->num_classes = static_cast<int32_t>(names.size());
    d->class_names = names;
  }
  for (const auto& member : files.train)
    append_cifar_python_batch(bytes_of(member), label_of(member), cifar100, coarse, s.train);
  append_cifar_python_batch(bytes_of(files.test), label_of(files.test), cifar100, coarse, s.test);
  return s;
}

}  // namespace nnlab::data::detail
