#include <fmt/core.h>

#include <cctype>

#include "nnlab/data/datasets.h"
#include "nnlab/download/datasets.h"
#include "nnlab/error.h"

namespace nnlab::download {
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const DatasetSource& source_of(const std::string& name) {
  if (const DatasetSource* s = find_source(name)) return *s;
  if (const data::DatasetInfo* info = data::find_dataset_info(name))
    throw ConfigError(fmt::format("{} has nothing to download: it is {}; nnlab downloads {}", name, info->published,
                                  downloadable_names()));
  throw ConfigError(fmt::format("unknown dataset '{}': nnlab downloads {}", name, downloadable_names()));
}

}  // namespace

void check_mirror(const std::string& url, std::string_view what) {
  const std::string l = lower(url);
  const size_t scheme = l.starts_with("http://") ? 7 : l.starts_with("https://") ? 8 : 0;
  const bool host = scheme > 0 && url.size() > scheme && url[scheme] != '/';
  bool printable = true;
  for (char c : url) printable = printable && std::isgraph(static_cast<unsigned char>(c));
  if (!host || !printable)
    throw ConfigError(
        fmt::format("{} '{}' is not an http:// or https:// URL (e.g. http://host/mnist/, to which the "
                    "file names are appended)",
                    what, url));
}

fs::path dataset_target(const DatasetDownload& d) {
  if (!d.data_dir.empty()) return d.data_dir / d.name;
  const fs::path root = data::cache_root();
  if (root.empty())
    throw ConfigError(
        "HOME is not set, so nnlab has no cache folder (~/.cache/nnlab): set HOME or give `data_dir` DIR");
  return root / d.name;
}

FileSetResult download_dataset(const DatasetDownload& d, DownloadObserver& observer) {
  const DatasetSource& source = source_of(d.name);
  std::string base = source.base_url;
  if (!d.mirror.empty()) {
    check_mirror(d.mirror, "the mirror (`mirror`)");
    base = d.mirror.ends_with('/') ? d.mirror : d.mirror + "/";
  }
  std::vector<RemoteFile> files = source.files;
  if (d.svhn_extra) files.insert(files.end(), source.extra.begin(), source.extra.end());
  if (!d.md5_overrides.empty()) {
    for (RemoteFile& f : files) {
      auto it = d.md5_overrides.find(f.name);
      if (it == d.md5_overrides.end())
        throw ConfigError(
            fmt::format("the MD5 listing given (`md5sums`) has no sum for {}, a file of {}", f.name, d.name));
      f.md5 = it->second;
    }
  }
  return download_file_set(base, files, dataset_target(d), d.fetch, observer);
}

}  // namespace nnlab::download
