// Where a training run writes, claimed for one writer: the directory is locked for the
// run's life (io::DirectoryLock), a directory that is not an nnlab run is never written
// into, and a new run never writes over a finished one.
#pragma once

#include <filesystem>
#include <memory>

#include "nnlab/io/dir_lock.h"
#include "nnlab/train/config.h"

namespace nnlab::train {

struct RunDirectory {
  std::filesystem::path path;
  std::unique_ptr<io::DirectoryLock> lock;
  bool created = false;  // this call made the directory (a failed start may remove it)
};

// For a new run: config.out (or a fresh runs/<model>-<dataset>-<time>), which must be new,
// empty, or an nnlab run directory without a checkpoint. For `resume`: config.out, which
// must hold an earlier run's config.json. Throws IoError or ConfigError naming the
// directory and what to do.
RunDirectory open_run_directory(const TrainConfig& config, bool resume);

// Removes what a run that failed before its first epoch wrote, when it made the directory.
void discard_unstarted(RunDirectory& dir);

}  // namespace nnlab::train
