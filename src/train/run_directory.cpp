#include "train/run_directory.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

#include "nnlab/error.h"

namespace nnlab::train {

namespace fs = std::filesystem;

namespace {

// runs/<model>-<dataset>-<time>, claimed by creating it: runs started in the same second
// (a tuner's workers) get -2, -3, ... rather than sharing a directory.
fs::path claim_default_run_dir(const TrainConfig& c) {
  std::string name = c.data.name;
  for (char& ch : name)
    if (ch == '/' || ch == ':') ch = '_';
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  const fs::path base = fs::path("runs") / fmt::format("{}-{}-{:%Y%m%d-%H%M%S}", c.model.name, name, fmt::localtime(now));
  std::error_code ec;
  fs::create_directories(base.parent_path(), ec);
  if (ec) throw IoError(fmt::format("cannot create {}: {} (give `out` elsewhere)", base.parent_path().string(),
                                    ec.message()));
  for (int i = 1;; ++i) {
    fs::path dir = i == 1 ? base : fs::path(base.string() + "-" + std::to_string(i));
    if (fs::create_directory(dir, ec)) return dir;
    if (ec) throw IoError(fmt::format("cannot create {}: {} (give `out` elsewhere)", dir.string(), ec.message()));
  }
}

bool is_empty_dir(const fs::path& dir) {
  std::error_code ec;
  return fs::directory_iterator(dir, ec) == fs::directory_iterator();
}

// Before the lock, which would write into the directory: a file, or a folder of the user's.
void check_not_foreign(const fs::path& dir) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) return;
  if (!fs::is_directory(st))
    throw ConfigError(fmt::format("`out` {} is a file, not a directory: choose a directory for the run", dir.string()));
  if (!is_empty_dir(dir) && !io::DirectoryLock::marks(dir) && !fs::exists(dir / "checkpoint.safetensors"))
    throw ConfigError(fmt::format("`out` {} is a directory that is not empty and not an nnlab run: training there "
                                  "would overwrite its files; choose a new or empty directory",
                                  dir.string()));
}

// Under the lock: a run that another process finished (or is writing) is not started over.
void check_no_finished_run(const fs::path& dir) {
  if (fs::exists(dir / "checkpoint.safetensors"))
    throw ConfigError(fmt::format("{} already holds a run: continue it with `resume` {} or choose another `out`",
                                  dir.string(), dir.string()));
}

}  // namespace

RunDirectory open_run_directory(const TrainConfig& config, bool resume) {
  RunDirectory run;
  if (resume) {
    run.path = config.out;
    std::error_code ec;
    if (!fs::is_directory(run.path, ec))
      throw IoError(fmt::format("`resume` {}: {}: give the run directory of an earlier nnlab train", run.path.string(),
                                fs::exists(run.path, ec) ? "not a directory" : "no such directory"));
    run.lock = std::make_unique<io::DirectoryLock>(run.path, "run directory");
    return run;
  }
  if (config.out.empty()) {
    run.path = claim_default_run_dir(config);
    run.created = true;
  } else {
    run.path = config.out;
    check_not_foreign(run.path);
    std::error_code ec;
    run.created = !fs::exists(run.path, ec);
  }
  run.lock = std::make_unique<io::DirectoryLock>(run.path, "run directory");
  check_no_finished_run(run.path);
  return run;
}

void discard_unstarted(RunDirectory& dir) {
  if (!dir.created || fs::exists(dir.path / "checkpoint.safetensors")) return;
  std::error_code ec;
  fs::remove_all(dir.path, ec);
  dir.lock.reset();
}

}  // namespace nnlab::train
