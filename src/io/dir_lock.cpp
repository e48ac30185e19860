#include "nnlab/io/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "nnlab/error.h"

namespace nnlab::io {
namespace fs = std::filesystem;

namespace {

std::string read_holder(int fd) {
  char buf[256] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string this_holder() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return "pid " + std::to_string(::getpid()) + " on " + host;
}

}  // namespace

DirectoryLock::DirectoryLock(const fs::path& dir, std::string_view what) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError("cannot create the " + std::string(what) + " " + dir.string() + ": " + ec.message());
  const fs::path file = dir / kFileName;
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw IoError("cannot open " + file.string() + ": " + std::strerror(errno) + " (is the " + std::string(what) +
                  " writable?)");
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    const std::string holder = read_holder(fd_);
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw IoError("the " + std::string(what) + " " + dir.string() + " is being written by another nnlab (" +
                    (holder.empty() ? std::string("its pid is not recorded yet") : holder) +
                    "): wait for it to end, or choose another directory");
    throw IoError("cannot lock " + file.string() + ": " + std::strerror(err));
  }
  const std::string me = this_holder() + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) < 0) {
    // The lock holds without the note; only the refusal's message is poorer.
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

bool DirectoryLock::marks(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / kFileName, ec);
}

}  // namespace nnlab::io
