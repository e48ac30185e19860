// Fetching a named dataset from where it is published: the one table of each dataset's
// files, their URLs and their published MD5s (those torchvision checks, and for CIFAR the
// ones on its page), and the download into nnlab's cache (~/.cache/nnlab/NAME).
//
//   download::DatasetDownload d;
//   d.name = "fashion-mnist";
//   std::filesystem::path dir = download::download_dataset(d, observer);
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/download/file_set.h"

namespace nnlab::download {

struct DatasetSource {
  std::string name;
  std::string base_url;           // the published directory, ending in '/'
  std::vector<RemoteFile> files;  // what nnlab reads
  std::vector<RemoteFile> extra;  // fetched only when asked (svhn: extra_32x32.mat)
};
const std::vector<DatasetSource>& dataset_sources();
const DatasetSource* find_source(std::string_view name);  // null when not downloadable
std::string downloadable_names();                         // "mnist, fashion-mnist, ..."

struct DatasetDownload {
  std::string name;
  // Another server holding the same files (the file names are appended); empty: the
  // publisher's. Must be an http:// or https:// URL.
  std::string mirror;
  bool svhn_extra = false;  // svhn: extra_32x32.mat too (1.3 GB)
  // The parent of the dataset's folder: the dataset goes to DIR/NAME. Empty: ~/.cache/nnlab.
  std::filesystem::path data_dir;
  // Sums to check instead of the published ones (a mirror that repacks the files), keyed
  // by file name; every file fetched must be listed. Empty: the published MD5s.
  std::map<std::string, std::string> md5_overrides;
  FetchOptions fetch;
};

// ConfigError for a mirror that is not an http(s) URL (naming `what`, e.g. "`mirror`").
void check_mirror(const std::string& url, std::string_view what);

// Where download_dataset puts the dataset.
std::filesystem::path dataset_target(const DatasetDownload& d);

// Downloads the dataset (what is already there with the right MD5 is kept) and returns
// its folder. ConfigError for an unknown name, a dataset with nothing to download (the
// scikit-learn tables) or a bad mirror; IoError for a failed or corrupt download.
FileSetResult download_dataset(const DatasetDownload& d, DownloadObserver& observer);

}  // namespace nnlab::download
