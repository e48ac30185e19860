// write_file_atomic replaces only regular files; everything else is written through or
// refused, and a killed writer's temporaries go with the next write. read_file is bounded.
#include "nnlab/io/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>

#include "data/fixtures.h"
#include "nnlab/error.h"

namespace {

namespace fs = std::filesystem;
using nnlab::io::read_file;
using nnlab::io::write_file_atomic;
using nnlab::testing::TempDir;

TEST(AtomicFile, ReplacesRegularFilesAndTheTargetsOfLinksButNeverTheLinks) {
  TempDir tmp;
  write_file_atomic(tmp / "a", "one");
  write_file_atomic(tmp / "a", "two");
  EXPECT_EQ(read_file(tmp / "a"), "two");
  fs::create_symlink("a", tmp / "rel-link");
  write_file_atomic(tmp / "rel-link", "three");
  EXPECT_TRUE(fs::is_symlink(tmp / "rel-link"));
  EXPECT_EQ(read_file(tmp / "a"), "three");
  fs::create_symlink(tmp / "not-yet", tmp / "dangling");
  write_file_atomic(tmp / "dangling", "four");
  EXPECT_TRUE(fs::is_symlink(tmp / "dangling"));
  EXPECT_EQ(read_file(tmp / "not-yet"), "four");
  EXPECT_THROW(write_file_atomic(tmp.path(), "x"), nnlab::IoError);
}

TEST(AtomicFile, StreamsIntoFifosAndCharacterDevices) {
  TempDir tmp;
  const fs::path fifo = tmp / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reader = std::async(std::launch::async, [&] { return read_file(fifo); });
  write_file_atomic(fifo, "through the pipe");
  EXPECT_EQ(reader.get(), "through the pipe");
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  write_file_atomic("/dev/null", "gone");
  ASSERT_EQ(::lstat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(AtomicFile, TheNextWriteRemovesTemporariesOfDeadWritersOnly) {
  TempDir tmp;
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  ::waitpid(dead, nullptr, 0);
  const fs::path stale = tmp / ("out.json.tmp" + std::to_string(dead) + "-42");
  const fs::path live = tmp / ("out.json.tmp" + std::to_string(::getppid()) + "-42");  // a running process
  const fs::path other = tmp / ("other.json.tmp" + std::to_string(dead) + "-42");
  for (const auto& p : {stale, live, other}) nnlab::testing::write_text(p, "partial");
  write_file_atomic(tmp / "out.json", "{}");
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other));  // another file's: its own next write removes it
}

TEST(AtomicFile, ReadFileIsBoundedAndSaysWhy) {
  TempDir tmp;
  write_file_atomic(tmp / "big", std::string(2000, 'x'));
  EXPECT_EQ(read_file(tmp / "big", 2000).size(), 2000u);
  try {
    read_file(tmp / "big", 1024, "a configuration");
    FAIL() << "no IoError";
  } catch (const nnlab::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("more than a configuration may hold"), std::string::npos) << e.what();
  }
  // A device that never ends is read up to the bound, not forever.
  EXPECT_THROW(read_file("/dev/zero", 1 << 20), nnlab::IoError);
  EXPECT_THROW(read_file(tmp.path()), nnlab::IoError);
}

}  // namespace
