// nnlab experiment: the list, and bad input answered with a clear error and exit code.
#include <vector>

#include "experiments/experiment_test_util.h"

using namespace nnlab::experiments::testing;
using nnlab::testing::run_cli;
namespace fs = std::filesystem;

TEST(ExperimentCli, ListsTheFourExperiments) {
  auto r = run_cli("experiment list");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* name : {"ce-vs-mse", "convexity", "mlp-cifar10", "cnn-compare"})
    EXPECT_TRUE(contains(r.out, name)) << name;
  auto help = run_cli("experiment --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(contains(help.out, "cnn-compare"));
}

TEST(ExperimentCli, BadInputIsAUsageErrorThatSaysWhatToDo) {
  ScratchDir dir;
  auto unknown = run_cli("experiment ce-vs-ce --quick");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_TRUE(contains(unknown.err, "unknown experiment 'ce-vs-ce'"));
  EXPECT_TRUE(contains(unknown.err, "ce-vs-mse, convexity, mlp-cifar10, cnn-compare"));
  auto none = run_cli("experiment");
  EXPECT_EQ(none.code, 2);
  EXPECT_TRUE(contains(none.err, "list, render DIR"));

  std::ofstream(dir.path / "something") << "x";
  auto nonempty = run_cli("experiment convexity --quick --out " + dir.path.string());
  EXPECT_EQ(nonempty.code, 2);
  EXPECT_TRUE(contains(nonempty.err, "--out " + dir.path.string()));
  EXPECT_TRUE(fs::exists(dir.path / "something"));

  auto data = run_cli("experiment convexity --quick --data-dir /nonexistent/data --out " + (dir.path / "x").string());
  EXPECT_EQ(data.code, 2);
  EXPECT_TRUE(contains(data.err, "--data-dir /nonexistent/data"));
  EXPECT_FALSE(fs::exists(dir.path / "x"));

  auto extra = run_cli("experiment convexity " + (dir.path / "y").string());
  EXPECT_EQ(extra.code, 2);
  EXPECT_TRUE(contains(extra.err, "--out"));
  auto threads = run_cli("experiment convexity --threads -1");
  EXPECT_EQ(threads.code, 2);
}

TEST(ExperimentCli, RenderNeedsAnExperimentDirectory) {
  ScratchDir dir;
  auto missing = run_cli("experiment render " + dir.path.string());
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(contains(missing.err, (dir.path / "results.json").string()));
  std::ofstream(dir.path / "results.json") << "{\"not\": \"an experiment\"}";
  auto foreign = run_cli("experiment render " + dir.path.string());
  EXPECT_EQ(foreign.code, 1);
  EXPECT_TRUE(contains(foreign.err, "not the results of an nnlab experiment"));
  std::ofstream(dir.path / "results.json") << "{\"experiment\": \"convexity\", \"options\": {}}";
  auto partial = run_cli("experiment render " + dir.path.string());
  EXPECT_EQ(partial.code, 1);
  EXPECT_TRUE(contains(partial.err, "does not hold what the report needs"));
  auto no_dir = run_cli("experiment render");
  EXPECT_EQ(no_dir.code, 2);
}

TEST(ExperimentCli, WithoutOutWritesANewDirectoryUnderRuns) {
  ScratchDir dir;
  auto r = run_cli("experiment convexity --quick --threads 2", "cd " + dir.path.string() + " &&");
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<fs::path> runs;
  for (const auto& e : fs::directory_iterator(dir.path / "runs")) runs.push_back(e.path());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].filename().string().rfind("convexity-", 0), 0u);
  EXPECT_TRUE(fs::exists(runs[0] / "report.md"));
  EXPECT_TRUE(contains(r.out, "report: runs/" + runs[0].filename().string() + "/report.md"));
}
