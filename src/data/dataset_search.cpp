#include "data/dataset_search.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "data/catalog.h"
#include "nnlab/data/datasets.h"

namespace nnlab::data {
namespace fs = std::filesystem;

namespace detail {

fs::path first_existing(const fs::path& dir, const std::vector<std::string>& alternatives) {
  std::error_code ec;
  for (const auto& name : alternatives)
    if (fs::is_regular_file(dir / name, ec)) return dir / name;
  return {};
}

namespace {

// The file groups of `probe` that `dir` lacks, each named by its alternatives.
std::vector<std::string> missing_files(const fs::path& dir, const Probe& probe) {
  std::vector<std::string> missing;
  for (const auto& alternatives : probe.files) {
    if (!first_existing(dir / probe.subdir, alternatives).empty()) continue;
    std::string names;
    for (const auto& a : alternatives) names += (names.empty() ? "" : " or ") + a;
    missing.push_back(probe.subdir.empty() ? names : probe.subdir + "/" + names);
  }
  return missing;
}

std::string describe_dir(const fs::path& dir, const std::vector<Probe>& probes) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "no such directory";
  // Report against the form the directory comes closest to.
  std::vector<std::string> best;
  for (const auto& probe : probes) {
    auto missing = missing_files(dir, probe);
    if (best.empty() || missing.size() < best.size()) best = std::move(missing);
  }
  std::string list;
  for (const auto& m : best) list += (list.empty() ? "" : ", ") + m;
  return "exists, but has no " + list;
}

}  // namespace

void add_python_tool_dirs(std::string_view name, std::vector<fs::path>& dirs) {
  // Keras keeps its downloads in $KERAS_HOME/datasets (default ~/.keras); Keras 3 extracts
  // CIFAR into a "-target" folder there. torchvision's examples use root="./data".
  fs::path keras;
  if (const char* env = std::getenv("KERAS_HOME"); env && *env)
    keras = env;
  else if (const char* home = std::getenv("HOME"); home && *home)
    keras = fs::path(home) / ".keras";
  if (!keras.empty()) {
    dirs.push_back(keras / "datasets");
    dirs.push_back(keras / "datasets" / (name == "cifar10" ? "cifar-10-batches-py-target" : "cifar-100-python-target"));
  }
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (!ec) dirs.push_back(cwd / "data");
}

std::string missing_dataset_message(std::string_view name, const fs::path& data_dir) {
  const DatasetInfo* info = find_dataset_info(name);
  const auto& probes = probes_of(name);
  std::string msg = fmt::format("dataset {} not found. Looked in:\n", name);
  for (const auto& dir : search_dirs(name, data_dir)) msg += fmt::format("  {} ({})\n", dir.string(), describe_dir(dir, probes));
  if (!std::getenv("NNLAB_DATA")) msg += "  ($NNLAB_DATA is not set; it would be searched as $NNLAB_DATA/" + std::string(name) + ")\n";
  if (info) {
    msg += "Expected files:";
    for (const auto& f : info->files) msg += "\n  " + f;
    msg += fmt::format("\nPublished at {}.\n", info->published);
  }
  msg += "Put the files in one of the directories above, or pass `data_dir` DIR.";
  if (info && !is_sklearn_dataset(name))  // every other named dataset has a download (src/download)
    msg += fmt::format("\nOr download them: nnlab data get {}{} (or --download on train, eval and experiment).", name,
                       data_dir.empty() ? "" : " --data-dir " + data_dir.string());
  return msg;
}

}  // namespace detail

std::vector<fs::path> search_dirs(std::string_view name, const fs::path& data_dir) {
  std::vector<fs::path> dirs;
  if (!data_dir.empty()) {
    dirs.push_back(data_dir);
    dirs.push_back(data_dir / name);
    return dirs;  // a directory the user names is the only place looked: no silent fallback
  }
  if (const char* env = std::getenv("NNLAB_DATA"); env && *env) dirs.push_back(fs::path(env) / name);
  if (const fs::path cache = cache_root(); !cache.empty()) dirs.push_back(cache / name);
  if (name == "cifar10" || name == "cifar100") detail::add_python_tool_dirs(name, dirs);
  dirs.push_back(fs::path("/usr/share/datasets") / name);
  if (detail::is_sklearn_dataset(name)) dirs.push_back(detail::kSklearnDataDir);
  std::vector<fs::path> unique;
  for (auto& d : dirs)
    if (std::find(unique.begin(), unique.end(), d) == unique.end()) unique.push_back(d);
  return unique;
}

Location locate_dataset(std::string_view name, const fs::path& data_dir) {
  Location loc;
  loc.searched = search_dirs(name, data_dir);
  for (const auto& dir : loc.searched) {
    for (const auto& probe : detail::probes_of(name)) {
      if (!detail::missing_files(dir, probe).empty()) continue;
      loc.dir = probe.subdir.empty() ? dir : dir / probe.subdir;
      loc.form = probe.form;
      return loc;
    }
  }
  return loc;
}

}  // namespace nnlab::data
