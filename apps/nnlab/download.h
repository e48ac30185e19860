// The CLI's dataset downloads: `nnlab data get NAME` and --download on the verbs that read
// a dataset. Progress goes to stderr: a bar redrawn in place on a terminal, else one line
// per file. The server is --mirror URL (data get) or $NNLAB_MIRROR, else the publisher's;
// the sums checked are the published MD5s, or those of an md5sum listing given with
// --md5sums FILE (data get) or $NNLAB_MD5SUMS, for a mirror that repacks the files.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "nnlab/data/datasets.h"

namespace nnlab::cli {

struct GetRequest {
  std::string name;
  std::string mirror;   // empty: $NNLAB_MIRROR, else the publisher's
  std::string md5sums;  // empty: $NNLAB_MD5SUMS, else the published sums
  bool svhn_extra = false;
  std::filesystem::path data_dir;  // empty: ~/.cache/nnlab
};

// Downloads the dataset; prints where it is on stdout. Usage errors (exit 2) for an
// unknown name, a dataset with nothing to download or a bad mirror.
int get_dataset(const GetRequest& request);

// --download: "fetch the dataset when it is not found, then go on".
void add_download_flag(CLI::App& verb, bool& download);
// Fetches the named dataset of `options` when it is not found where load_dataset looks
// (into DATA_DIR/NAME when `data_dir` is set, so that it is found there); nothing for
// csv:PATH and folder:PATH.
void fetch_if_missing(const data::LoadOptions& options);

}  // namespace nnlab::cli
