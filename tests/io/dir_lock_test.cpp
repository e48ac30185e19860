// One writer per directory: the lock is refused to a second process with the holder's pid,
// and a holder killed with SIGKILL leaves no stale lock.
#include "nnlab/io/dir_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/fixtures.h"
#include "nnlab/error.h"

namespace {

using nnlab::io::DirectoryLock;
using nnlab::testing::TempDir;

TEST(DirectoryLock, ASecondProcessIsRefusedNamingTheHolderUntilTheHolderIsKilled) {
  TempDir tmp;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t holder = fork();
  if (holder == 0) {
    DirectoryLock lock(tmp / "run", "run directory");
    char c = 1;
    (void)!::write(ready[1], &c, 1);
    ::pause();
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  try {
    DirectoryLock second(tmp / "run", "run directory");
    FAIL() << "the lock was granted twice";
  } catch (const nnlab::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("run directory " + (tmp / "run").string() +
                                         " is being written by another nnlab (pid " + std::to_string(holder) + " on "),
              std::string::npos)
        << e.what();
  }
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  EXPECT_NO_THROW(DirectoryLock again(tmp / "run", "run directory"));
  EXPECT_TRUE(DirectoryLock::marks(tmp / "run"));
  EXPECT_FALSE(DirectoryLock::marks(tmp.path()));
}

}  // namespace
