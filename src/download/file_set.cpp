#include "nnlab/download/file_set.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <optional>
#include <system_error>

#include "nnlab/download/md5.h"
#include "nnlab/error.h"
#include "nnlab/io/dir_lock.h"

namespace nnlab::download {
namespace fs = std::filesystem;

namespace {

int64_t size_of(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

bool holds(const fs::path& file, const std::string& md5) {
  std::error_code ec;
  return fs::is_regular_file(file, ec) && md5_file(file) == md5;
}

// Flushes a file or a directory's entries to disk, so a renamed file is never found empty
// after a crash.
void sync_path(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void check_file(const RemoteFile& f) {
  const bool bad_name = f.name.empty() || f.name == "." || f.name == ".." || f.name.find('/') != std::string::npos ||
                        f.name.ends_with(".part");
  if (bad_name) throw ConfigError("'" + f.name + "' cannot be the name of a downloaded file");
  bool hex = f.md5.size() == 32;
  for (char c : f.md5) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) throw ConfigError(f.name + ": '" + f.md5 + "' is not an MD5 (32 lowercase hex digits)");
}

// The staging folder, locked. A holder that finished may have removed the folder between our
// open and our lock; then the lock is on a deleted file, so it is taken again.
void lock_staging(const fs::path& stage, std::optional<io::DirectoryLock>& lock) {
  for (int i = 0; i < 3; ++i) {
    lock.emplace(stage, "download folder");
    std::error_code ec;
    if (fs::exists(stage / io::DirectoryLock::kFileName, ec)) break;
    lock.reset();
  }
  if (!lock) throw IoError("cannot lock the download folder " + stage.string());
}

// After a failure: a staging folder with nothing to resume from is removed.
void remove_if_nothing_kept(const fs::path& stage) {
  std::error_code ec;
  for (fs::directory_iterator it(stage, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == io::DirectoryLock::kFileName) continue;
    if (name == "ready" && fs::is_empty(it->path(), ec)) continue;
    return;
  }
  fs::remove_all(stage, ec);
}

FileSetResult fetch_and_move(const std::string& base_url, const std::vector<RemoteFile>& files, const fs::path& target,
                             const fs::path& stage, const FetchOptions& options, DownloadObserver& observer) {
  const fs::path ready = stage / "ready";
  fs::create_directories(ready);
  FileSetResult result;
  result.dir = target;
  bool moving = false;  // anything to move into `target`
  for (const RemoteFile& f : files) {
    if (holds(target / f.name, f.md5)) {
      ++result.reused;
      observer.on_file_done(f.name, size_of(target / f.name), true);
      continue;
    }
    moving = true;
    const fs::path staged = ready / f.name;
    if (holds(staged, f.md5)) {  // checked by an earlier attempt that failed on another file
      ++result.reused;
      observer.on_file_done(f.name, size_of(staged), true);
      continue;
    }
    const fs::path part = stage / (f.name + ".part");
    const std::string url = base_url + f.name;
    const int64_t before = size_of(part);
    fetch_to_file(url, part, f.name, options, observer);
    const int64_t after = size_of(part);
    result.bytes += after >= before ? after - before : after;
    const std::string got = md5_file(part);
    if (got != f.md5) {
      std::error_code ec;
      fs::remove(part, ec);  // the fault may be anywhere in it: resuming would keep it
      throw IoError(
          fmt::format("{} from {} is corrupt or not the expected file: its MD5 is {}, expected {}. It was "
                      "deleted and {} was left as it was; run again to fetch it anew, or check the server "
                      "(`mirror`)",
                      f.name, url, got, f.md5, target.string()));
    }
    sync_path(part);
    fs::rename(part, staged);
    ++result.fetched;
    observer.on_file_done(f.name, after, false);
  }

  if (moving) {
    std::error_code ec;
    sync_path(ready);
    if (!fs::exists(target, ec) || (fs::is_directory(target, ec) && fs::is_empty(target, ec))) {
      fs::rename(ready, target);  // the whole set appears at once
    } else {
      if (!fs::is_directory(target, ec)) throw IoError(target.string() + " exists and is not a directory");
      // Each file is whole and checked; the set is complete at the last rename.
      for (const RemoteFile& f : files)
        if (fs::exists(ready / f.name, ec)) fs::rename(ready / f.name, target / f.name);
    }
    sync_path(target);
    sync_path(target.parent_path());
  }
  return result;
}

}  // namespace

fs::path staging_dir(const fs::path& target) {
  fs::path t = target.filename().empty() ? target.parent_path() : target;
  std::string name = ".";  // appended, not "." + ...: GCC 12 warns falsely (-Wrestrict) on that
  name += t.filename().string();
  name += ".download";
  return t.parent_path() / name;
}

FileSetResult download_file_set(const std::string& base_url, const std::vector<RemoteFile>& files,
                                const fs::path& target, const FetchOptions& options, DownloadObserver& observer) {
  for (const RemoteFile& f : files) check_file(f);
  const fs::path stage = staging_dir(target);
  std::optional<io::DirectoryLock> lock;
  lock_staging(stage, lock);
  try {
    FileSetResult result = fetch_and_move(base_url, files, target, stage, options, observer);
    std::error_code ec;
    fs::remove_all(stage, ec);  // the lock is held until the end of this scope
    return result;
  } catch (...) {
    remove_if_nothing_kept(stage);
    throw;
  }
}

}  // namespace nnlab::download
