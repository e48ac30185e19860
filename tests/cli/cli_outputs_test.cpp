// Outputs never replace what they should not: a device node, a FIFO, /dev/stdout or a
// symbolic link given as an output path is written through, not renamed over; a study's
// plots stay beside its database whatever its name; one writer per plot or experiment
// folder.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "data/fixtures.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/io/dir_lock.h"
#include "support/cli.h"

namespace {

namespace fs = std::filesystem;
using nnlab::testing::run_cli;
using nnlab::testing::TempDir;

const std::string kGrid = "data inspect --dataset fashion-mnist --grid-count 4 --grid ";

bool is_png(const std::string& bytes) { return bytes.size() > 8 && bytes.compare(1, 3, "PNG") == 0; }

TEST(CliOutputs, AGridGivenADeviceAFifoOrALinkWritesThroughAndReplacesNothing) {
  TempDir tmp;
  // /dev/null stays the character device it is.
  auto r = run_cli(kGrid + "/dev/null");
  EXPECT_EQ(r.code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::lstat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));

  // A FIFO: the PNG is streamed to its reader.
  const fs::path fifo = tmp / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reader = std::async(std::launch::async, [&] { return nnlab::io::read_file(fifo); });
  r = run_cli(kGrid + fifo.string());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(is_png(reader.get()));
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));

  // A symbolic link to a file: the file is replaced, the link stays a link.
  nnlab::testing::write_text(tmp / "target.png", "old");
  fs::create_symlink(tmp / "target.png", tmp / "link.png");
  r = run_cli(kGrid + (tmp / "link.png").string());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(tmp / "link.png"));
  EXPECT_TRUE(is_png(nnlab::io::read_file(tmp / "target.png")));

  // /dev/stdout (a link to /proc/self/fd/1): the PNG goes to the pipe.
  r = run_cli(kGrid + "/dev/stdout");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\x89PNG"), std::string::npos);

  // A directory is an error naming it, and nothing is written.
  r = run_cli(kGrid + tmp.path().string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
}

TEST(CliOutputs, BenchJsonToStdoutAndSqliteOnADeviceAreNotRenamedOver) {
  auto r = run_cli("bench --models logreg --batch 8 --seconds 0.05 --no-infer --wait-idle 0 --threads 1 --json "
                   "/dev/stdout");
  ASSERT_EQ(r.code, 0) << r.err;
  const size_t brace = r.out.find("{\n"), end = r.out.rfind("\n}\n");
  ASSERT_NE(brace, std::string::npos) << r.out;
  ASSERT_NE(end, std::string::npos) << r.out;
  EXPECT_TRUE(nlohmann::json::parse(r.out.substr(brace, end + 2 - brace)).contains("results"));
  struct stat st {};
  ASSERT_EQ(::lstat("/dev/stdout", &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));

  fs::remove("/dev/null-journal");
  r = run_cli("tune --objective branin --trials 1 --study s --storage sqlite:////dev/null");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/dev/null is not a regular file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists("/dev/null-journal"));
  EXPECT_FALSE(fs::exists("/dev/null-wal"));
}

TEST(CliOutputs, StudyPlotsStayBesideTheDatabaseWhateverTheStudyIsCalled) {
  TempDir tmp;
  const fs::path deep = tmp / "a" / "b" / "c";
  fs::create_directories(deep);
  const std::string storage = "sqlite:///" + (deep / "s.db").string();
  for (const std::string& name : {"../../../TRAVERSED", "/tmp/ABSOLUTE", "plain"}) {
    auto r = run_cli("tune --objective branin --trials 3 --study '" + name + "' --storage " + storage);
    ASSERT_EQ(r.code, 0) << r.err;
    r = run_cli("study plot --study '" + name + "' --storage " + storage + " --json");
    ASSERT_EQ(r.code, 0) << r.err;
    for (const auto& p : nlohmann::json::parse(r.out).at("plots")) {
      const fs::path file = p.at("path").get<std::string>();
      EXPECT_EQ(fs::weakly_canonical(file).parent_path().parent_path(), fs::weakly_canonical(deep)) << file;
    }
  }
  EXPECT_FALSE(fs::exists(tmp / "TRAVERSED-plots"));
  EXPECT_FALSE(fs::exists("/tmp/ABSOLUTE-plots"));
  EXPECT_TRUE(fs::is_directory(deep / "plain-plots"));
  // Names that need the mapping never meet: each keeps its own folder.
  EXPECT_EQ(std::distance(fs::directory_iterator(deep), fs::directory_iterator()), 4);  // s.db + 3 folders
}

TEST(CliOutputs, APlotFolderOrExperimentFolderInUseIsRefusedNamingTheWriter) {
  TempDir tmp;
  const std::string storage = "sqlite:///" + (tmp / "s.db").string();
  ASSERT_EQ(run_cli("tune --objective branin --trials 2 --study s --storage " + storage).code, 0);
  {
    nnlab::io::DirectoryLock held(tmp / "s-plots", "plot folder");
    auto r = run_cli("study plot --study s --storage " + storage);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("plot folder " + (tmp / "s-plots").string() + " is being written by another nnlab (pid " +
                         std::to_string(::getpid())),
              std::string::npos)
        << r.err;
  }
  EXPECT_EQ(run_cli("study plot --study s --storage " + storage).code, 0);
  {
    nnlab::io::DirectoryLock held(tmp / "exp", "experiment folder");
    auto r = run_cli("experiment convexity --quick --out " + (tmp / "exp").string());
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("is being written by another nnlab (pid " + std::to_string(::getpid())), std::string::npos)
        << r.err;
  }
}

}  // namespace
