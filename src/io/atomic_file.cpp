#include "nnlab/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "nnlab/error.h"

namespace nnlab::io {
namespace fs = std::filesystem;
namespace {

std::string os_error(const std::string& what, const fs::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(os_error("cannot write", path));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string fmt_size_error(const fs::path& path, size_t limit, std::string_view what) {
  const std::string size = limit >= (size_t{1} << 30) ? std::to_string(limit >> 30) + " GiB"
                                                       : std::to_string(limit >> 20) + " MiB";
  return path.string() + " holds more than " + size + ", more than " + std::string(what) +
         " may hold: is it the right file?";
}

const char kTmpInfix[] = ".tmp";

// NAME.tmp<pid>-<random> files beside `target` whose writer no longer runs: what a
// kill -9 during an earlier write left. A live writer's file (another process writing the
// same target) is kept.
void remove_stale_temporaries(const fs::path& target) {
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string prefix = target.filename().string() + kTmpInfix;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string::npos) continue;
    if (rest.find_first_not_of("0123456789") != dash) continue;
    const long pid = std::strtol(rest.substr(0, dash).c_str(), nullptr, 10);
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove(it->path(), ec);
  }
}

// A terminal, FIFO or character device: written in place, as `cat > PATH` would.
void stream_into(const fs::path& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(os_error("cannot open", path));
  try {
    write_all(fd, bytes, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

void replace_regular(const fs::path& path, std::string_view bytes) {
  fs::path dir = path.parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw IoError("cannot create the directory " + dir.string() + ": " + ec.message());
  }
  remove_stale_temporaries(path);
  fs::path tmp = path;
  tmp += kTmpInfix + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(os_error("cannot create", tmp));
  try {
    write_all(fd, bytes, tmp);
    if (::fsync(fd) != 0) throw IoError(os_error("cannot flush", tmp));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    throw IoError(os_error("cannot replace", path));
  }
  fsync_dir(dir);
}

}  // namespace

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  struct stat link {}, target {};
  if (::lstat(path.c_str(), &link) != 0) return replace_regular(path, bytes);
  if (::stat(path.c_str(), &target) != 0) {
    // A link to nothing yet: the file is created where it points.
    if (S_ISLNK(link.st_mode)) {
      fs::path to = fs::read_symlink(path);
      return replace_regular(to.is_absolute() ? to : path.parent_path() / to, bytes);
    }
    throw IoError(os_error("cannot write", path));
  }
  if (S_ISREG(target.st_mode))
    return replace_regular(S_ISLNK(link.st_mode) ? fs::canonical(path) : path, bytes);
  if (S_ISDIR(target.st_mode))
    throw IoError(path.string() + " is a directory: give a file name for the output");
  if (S_ISCHR(target.st_mode) || S_ISFIFO(target.st_mode)) return stream_into(path, bytes);
  throw IoError(path.string() + " is neither a regular file nor a terminal, FIFO or character device: give a file "
                                "name for the output");
}

std::string read_file(const fs::path& path, size_t max_bytes, std::string_view what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(os_error("cannot open", path));
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw IoError(path.string() + " is a directory, not " + std::string(what));
  }
  const bool regular = S_ISREG(st.st_mode);
  const size_t limit = regular ? max_bytes : std::min(max_bytes, kStreamReadLimit);
  if (regular && static_cast<uint64_t>(st.st_size) > limit) {
    ::close(fd);
    throw IoError(fmt_size_error(path, limit, what));
  }
  std::string out;
  if (regular) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string msg = os_error("cannot read", path);
      ::close(fd);
      throw IoError(msg);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > limit) {
      ::close(fd);
      throw IoError(fmt_size_error(path, limit, what));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

void append_line_durable(const fs::path& path, std::string_view line) {
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(os_error("cannot open", path));
  std::string data(line);
  data.push_back('\n');
  try {
    write_all(fd, data, path);
    ::fsync(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

}  // namespace nnlab::io
