// nnlab board end to end in headless Chromium: a folder with real finished runs (nnlab
// train), a real study (nnlab tune) and a real experiment report (nnlab experiment) is
// served by the real board; tests/node/board_e2e.js (Playwright) checks the page against the
// files and watches a training started meanwhile appear epoch by epoch. Screenshots go to
// build/test-artifacts/board/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "board/board_process.h"
#include "support/cli.h"

namespace fs = std::filesystem;
using nnlab::testing::BoardProcess;
using nnlab::testing::read_text;
using nnlab::testing::run_cli;

namespace {

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

TEST(BoardBrowser, PageMatchesTheFilesAndUpdatesLive) {
  const fs::path modules = NNLAB_NODE_MODULES;
  ASSERT_TRUE(fs::exists(modules / "playwright-core")) << "install the tests' npm packages into " << modules
                                                       << " (scripts/setup --tests)";
  ASSERT_TRUE(fs::exists("/usr/bin/chromium")) << "install Debian's chromium (scripts/setup --tests)";
  const fs::path base = fs::temp_directory_path() / ("nnlab_board_browser_" + std::to_string(::getpid()));
  fs::remove_all(base);
  const fs::path runs = base / "runs";
  fs::create_directories(runs);
  const std::string quick = " --train-subset 2000 --test-subset 1000 --threads 1 --workers 0 ";
  auto r = run_cli("train --model lenet5 --optimizer sgd --lr 0.05 --epochs 4" + quick + "--out " +
                   (runs / "lenet5-sgd").string());
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli("train --model mlp --epochs 4" + quick + "--out " + (runs / "mlp-adamw").string());
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli("experiment ce-vs-mse --quick --threads 1 --out " + (runs / "ce-vs-mse").string());
  ASSERT_EQ(r.code, 0) << r.err;
  // A study with intermediate values, pruned and failed trials (nnlab tune's own test program).
  std::ofstream(base / "space.json") << R"({"x": {"type": "float", "low": 0, "high": 1}})";
  std::ofstream(base / "prog.sh") << R"(awk -v x="$1" 'BEGIN {
    if (x > 0.9) { print "diverged" > "/dev/stderr"; exit 4 }
    for (s = 1; s <= 5; s++) printf "nnlab:report %d %.6f\n", s, x * s
    print x }')";
  const std::string storage = "sqlite:///" + (base / "study.db").string();
  r = run_cli("tune --study quad --storage " + storage + " --space " + (base / "space.json").string() +
              " --sampler random --trials 12 --seed 2 --pruner median --command 'sh " + (base / "prog.sh").string() +
              " {x}'");
  ASSERT_EQ(r.code, 0) << r.err;

  BoardProcess board("--runs " + runs.string() + " --storage " + storage, base / "board.log");
  ASSERT_GT(board.port(), 0) << board.log();
  const fs::path artifacts = fs::path(NNLAB_NODE_MODULES).parent_path().parent_path() / "test-artifacts" / "board";
  // The live run: a few epochs of a few seconds each, so that the page's 2 s polls see it
  // part-way through.
  const nlohmann::json train = {"--model",     "resnet20", "--train-subset", "600", "--test-subset", "300",
                                "--val-fraction", "0",     "--epochs",       "5",   "--threads",     "1",
                                "--workers",   "0"};
  const nlohmann::json cfg{{"url", "http://127.0.0.1:" + std::to_string(board.port()) + "/"},
                           {"runs", runs.string()},
                           {"finished", "lenet5-sgd"},
                           {"cli", NNLAB_CLI_PATH},
                           {"artifacts", artifacts.string()},
                           {"modules", modules.string()},
                           {"trials", 12},
                           {"params", 1},
                           {"train", train}};
  const std::string script = (fs::path(NNLAB_SOURCE_DIR) / "tests" / "node" / "board_e2e.js").string();
  const fs::path out = base / "e2e.out";
  const int status = std::system(("node " + quoted(script) + " " + quoted(cfg.dump()) + " >" + quoted(out.string()) +
                                  " 2>&1").c_str());
  const std::string log = read_text(out);
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0) << log << "\nboard:\n" << board.log();
  EXPECT_NE(log.find("board e2e: passed"), std::string::npos) << log;
  for (const char* shot : {"board-runs.png", "board-runs-full.png", "board-studies.png", "board-experiment.png",
                           "board-live.png"})
  {
    std::error_code ec;
    EXPECT_GT(fs::file_size(artifacts / shot, ec), 10000u) << shot << ": " << ec.message();
  }
  EXPECT_TRUE(board.alive()) << board.log();
  EXPECT_EQ(board.stop(), 0) << board.log();
  fs::remove_all(base);
}

}  // namespace
