// libFuzzer target: SVHN .mat files. matio reads only from files, so each input is written
// to a private temporary file first.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "data/svhn_mat_reader.h"
#include "nnlab/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("nnlab-fuzz-svhn-" + std::to_string(::getpid()) + ".mat")).string();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  nnlab::data::Dataset out = nnlab::data::detail::empty_svhn_split("train", path);
  try {
    nnlab::data::detail::append_svhn_mat(path, out);
    out.check();
  } catch (const nnlab::DataError&) {
  }
  return 0;
}
