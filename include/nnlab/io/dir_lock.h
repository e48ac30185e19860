// One writer per directory: a run directory, a study's plot folder or an experiment's
// report folder is written by one nnlab process at a time. The lock is an flock(2) on
// DIR/.nnlab.lock held for the writer's life; the kernel drops it when the process ends,
// however it ends, so a kill -9 leaves no stale lock. The file keeps the last holder's pid
// and host, which the refusal names.
#pragma once

#include <filesystem>
#include <string_view>

namespace nnlab::io {

class DirectoryLock {
 public:
  static constexpr const char* kFileName = ".nnlab.lock";

  // Creates `dir` if needed and takes its lock, or throws IoError naming the process that
  // holds it. `what` says what the directory is ("run directory") in that message.
  DirectoryLock(const std::filesystem::path& dir, std::string_view what);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

  // Whether `dir` was ever locked by an nnlab writer (its lock file exists).
  static bool marks(const std::filesystem::path& dir);

 private:
  int fd_ = -1;
};

}  // namespace nnlab::io
