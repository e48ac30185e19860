// Downloading a set of files into one directory so that the directory ends up holding every
// file, each matching its MD5, or is left as it was. The files are fetched into a staging
// folder beside it (DIR/../.NAME.download, locked for one nnlab at a time); a partial file
// stays there so that the next attempt resumes it; each file is checked on arrival and
// waits in the staging folder until all are in; then the set is renamed into place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nnlab/download/fetch.h"

namespace nnlab::download {

struct RemoteFile {
  std::string name;  // appended to the base URL; also its name in the directory
  std::string md5;   // 32 hex digits
};

struct FileSetResult {
  std::filesystem::path dir;
  int fetched = 0;    // files downloaded (in full or resumed)
  int reused = 0;     // files already there whose MD5 matched
  int64_t bytes = 0;  // bytes received over the network
};

// The staging folder of `target`: TARGET/../.NAME.download.
std::filesystem::path staging_dir(const std::filesystem::path& target);

// Fetches base_url + name for each file that `target` does not already hold with the right
// MD5, checks each, and moves them into `target` (created if absent). A file whose MD5
// does not match is deleted and an IoError names it, the URL and both sums; `target` is
// then untouched. A file in `target` whose MD5 does not match is replaced.
FileSetResult download_file_set(const std::string& base_url, const std::vector<RemoteFile>& files,
                                const std::filesystem::path& target, const FetchOptions& options,
                                DownloadObserver& observer);

}  // namespace nnlab::download
