// Whether a run is training, asked of the kernel without taking the run's lock.
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>
#include <sstream>

#include "board/run_reader.h"
#include "nnlab/io/dir_lock.h"

namespace nnlab::board {

namespace fs = std::filesystem;

std::string run_status(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "summary.json", ec)) return "finished";
  // The trainer holds an flock on the run's lock file for its life. /proc/locks lists the
  // locks held, by device and inode: reading it asks without taking a lock, which would
  // make a trainer starting at that moment fail.
  struct stat st {};
  const fs::path lock = dir / io::DirectoryLock::kFileName;
  if (::stat(lock.c_str(), &st) == 0) {
    const std::string id = fmt::format("{:02x}:{:02x}:{}", major(st.st_dev), minor(st.st_dev), st.st_ino);
    std::ifstream locks("/proc/locks");
    for (std::string line; std::getline(locks, line);) {
      std::istringstream words(line);
      std::string w;
      for (int i = 0; i < 6 && words >> w; ++i)
        if (i == 5 && w == id) return "training";
    }
  }
  return "stopped";
}

}  // namespace nnlab::board
