// The board's HTTP API on its own, against the real `nnlab board` process: a real finished
// run and a real study (made by nnlab train and nnlab tune), run directories half-written or
// with corrupt lines, paths that try to leave the roots, huge and malformed requests, a
// locked and a corrupt study database; and the tree the board read is unchanged afterwards.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "board/board_process.h"
#include "support/cli.h"

namespace fs = std::filesystem;
using nlohmann::json;
using nnlab::testing::BoardProcess;
using nnlab::testing::raw_request;
using nnlab::testing::read_text;
using nnlab::testing::run_cli;
using nnlab::testing::tree_snapshot;

namespace {

std::vector<json> jsonl(const fs::path& file) {
  std::vector<json> rows;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

class BoardApi : public ::testing::Test {
 protected:
  // A real run and the folders made from it, once for the suite; only read afterwards.
  static void SetUpTestSuite() {
    base_ = fs::temp_directory_path() / ("nnlab_board_api_" + std::to_string(::getpid()));
    fs::remove_all(base_);
    root_ = base_ / "runs";
    fs::create_directories(root_);
    auto r = run_cli("train --model logreg --train-subset 600 --test-subset 200 --epochs 2 --threads 1 --workers 0 "
                     "--out " + (root_ / "finished").string());
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string finished = read_text(root_ / "finished" / "metrics.jsonl");
    const std::string config = read_text(root_ / "finished" / "config.json");
    const size_t first_end = finished.find('\n') + 1;
    // Being written: the config, one epoch, and half of the next line; no summary.
    write(root_ / "half" / "config.json", config);
    write(root_ / "half" / "metrics.jsonl", finished.substr(0, first_end) + finished.substr(first_end, 40));
    // Damaged: lines 2 and 4 are not epoch records.
    write(root_ / "corrupt" / "config.json", config);
    write(root_ / "corrupt" / "metrics.jsonl", finished.substr(0, first_end) + "{\"epoch\": \x01 garbage\n" +
                                                   finished.substr(first_end) + "[1, 2, 3]\n");
    write(root_ / "corrupt" / "summary.json", "{\"epochs\": 2, \"test\": ");  // cut short
    // Outside the root, and links inside that point there.
    write(base_ / "outside" / "secret" / "config.json", "{\"model\": \"secret-model\"}");
    write(base_ / "outside" / "secret" / "metrics.jsonl", finished);
    write(base_ / "outside" / "secret.png", "SECRET-BYTES");
    fs::create_directory_symlink(base_ / "outside" / "secret", root_ / "link-out");
    fs::create_symlink(base_ / "outside" / "secret.png", root_ / "finished" / "leak.png");
  }

  // What only some tests need is made when one of them runs (each test may be a process of
  // its own under ctest).
  static void make_study() {
    if (fs::exists(base_ / "studies" / "study.db")) return;
    // A real study: x in [0, 1], curves x·step reported as intermediate values, pruned by
    // the median rule, x > 0.9 fails (nnlab tune's own test program).
    fs::create_directories(base_ / "studies");
    write(base_ / "studies" / "space.json", R"({"x": {"type": "float", "low": 0, "high": 1}})");
    write(base_ / "studies" / "prog.sh", R"(awk -v x="$1" 'BEGIN {
    if (x > 0.9) { print "diverged" > "/dev/stderr"; exit 4 }
    for (s = 1; s <= 5; s++) printf "nnlab:report %d %.6f\n", s, x * s
    print x }')");
    auto r = run_cli("tune --study quad --storage " + url("study.db") + " --space " +
                     (base_ / "studies/space.json").string() + " --sampler random --trials 12 --seed 2 --pruner median --command 'sh " +
                (base_ / "studies/prog.sh").string() + " {x}' --json");
    ASSERT_EQ(r.code, 0) << r.err;
    // The locked one lives apart: the connection that locks it writes its -wal beside it.
    fs::create_directories(base_ / "locked");
    fs::copy_file(base_ / "studies" / "study.db", base_ / "locked" / "locked.db");
    write(base_ / "studies" / "corrupt.db", std::string(8192, 'Z'));
  }
  static void make_experiment() {
    if (fs::exists(root_ / "exp")) return;
    auto r = run_cli("experiment ce-vs-mse --quick --threads 1 --out " + (root_ / "exp").string());
    ASSERT_EQ(r.code, 0) << r.err;
    // A report whose Markdown holds raw HTML: shown as text, never run.
    write(root_ / "hostile" / "results.json", "{\"experiment\": \"x\"}");
    write(root_ / "hostile" / "report.md", "# Hostile\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n");
  }
  static void TearDownTestSuite() { fs::remove_all(base_); }

  static std::string url(const std::string& db) { return "sqlite:///" + (base_ / "studies" / db).string(); }

  void SetUp() override {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (test.find("Studies") != std::string::npos) make_study();
    if (test.find("Experiment") != std::string::npos) make_experiment();
    fs::create_directories(base_ / "studies");
    before_ = tree_snapshot(base_ / "runs");
    studies_before_ = tree_snapshot(base_ / "studies");
    board_ = std::make_unique<BoardProcess>(
        "--runs " + root_.string() + " --storage " + url("study.db") + " --storage sqlite:///" +
            (base_ / "locked" / "locked.db").string() + " --storage " + url("corrupt.db"),
        base_ / ("board-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".log"));
    ASSERT_GT(board_->port(), 0) << board_->log();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", board_->port());
    client_->set_read_timeout(20, 0);
  }

  void TearDown() override {
    ASSERT_TRUE(board_->alive()) << board_->log();
    EXPECT_EQ(board_->stop(), 0) << board_->log();
    // The board reads, never writes: the same files with the same sizes and times.
    EXPECT_EQ(tree_snapshot(base_ / "runs"), before_);
    EXPECT_EQ(tree_snapshot(base_ / "studies"), studies_before_);
  }

  json get_json(const std::string& path, int want_status = 200) {
    auto res = client_->Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return nullptr;
    EXPECT_EQ(res->status, want_status) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
    return json::parse(res->body);
  }
  int status_of(const std::string& path) {
    auto res = client_->Get(path);
    return res ? res->status : -1;
  }
  void expect_still_answering() {
    auto res = client_->Get("/api/runs");
    ASSERT_TRUE(res) << "the board stopped answering\n" << board_->log();
    EXPECT_EQ(res->status, 200);
  }

  static json run_named(const json& runs, const std::string& name) {
    for (const json& r : runs.at("runs"))
      if (r.at("name") == name) return r;
    return nullptr;
  }

  static inline fs::path base_, root_;
  std::map<std::string, std::string> before_, studies_before_;
  std::unique_ptr<BoardProcess> board_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(BoardApi, ServesThePageAndTheChartLibrary) {
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<title>nnlab board</title>"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  auto js = client_->Get("/lib/dygraph.min.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, read_text("/usr/share/javascript/dygraphs/dygraph.min.js"));
  auto own = client_->Get("/board.js");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200);
  EXPECT_EQ(own->body, read_text(fs::path(NNLAB_SOURCE_DIR) / "web" / "board.js"));
  EXPECT_EQ(status_of("/nothing-here"), 404);
}

TEST_F(BoardApi, FinishedRunMatchesItsFiles) {
  const json runs = get_json("/api/runs");
  ASSERT_EQ(runs.at("runs").size(), 3u) << runs.dump(1);  // finished, half, corrupt; not the link
  const json row = run_named(runs, "finished");
  ASSERT_FALSE(row.is_null());
  const std::vector<json> lines = jsonl(root_ / "finished" / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(row.at("status"), "finished");
  EXPECT_EQ(row.at("model"), "logreg");
  EXPECT_EQ(row.at("dataset"), "fashion-mnist");
  EXPECT_EQ(row.at("epochs_done"), 2);
  EXPECT_EQ(row.at("final_test_accuracy"), lines[1].at("test_accuracy"));
  EXPECT_EQ(row.at("best_test_accuracy"),
            std::max(lines[0].at("test_accuracy").get<double>(), lines[1].at("test_accuracy").get<double>()));
  EXPECT_EQ(row.at("time_s"), lines[1].at("elapsed_seconds"));

  const json run = get_json("/api/run?id=" + row.at("id").get<std::string>());
  ASSERT_EQ(run.at("records").size(), 2u);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(run.at("records")[i], lines[i]) << i;  // every key, every value
  const json summary = json::parse(read_text(root_ / "finished" / "summary.json"));
  EXPECT_EQ(run.at("summary"), summary);
  EXPECT_EQ(run.at("summary").at("test").at("confusion").size(), 10u);
  EXPECT_EQ(run.at("config"), json::parse(read_text(root_ / "finished" / "config.json")));

  // Only the epochs after those the page has.
  const json tail = get_json("/api/run?id=" + row.at("id").get<std::string>() + "&from=1");
  ASSERT_EQ(tail.at("records").size(), 1u);
  EXPECT_EQ(tail.at("records")[0], lines[1]);
  EXPECT_EQ(status_of("/api/run?id=" + row.at("id").get<std::string>() + "&from=-1"), 400);
}

TEST_F(BoardApi, HalfWrittenAndCorruptRunsAreShownNotFatal) {
  const json runs = get_json("/api/runs");
  const json half = run_named(runs, "half");
  ASSERT_FALSE(half.is_null()) << runs.dump(1);
  EXPECT_EQ(half.at("epochs_done"), 1);
  EXPECT_EQ(half.at("status"), "stopped");  // no summary, and no process holds its lock
  EXPECT_EQ(half.at("corrupt_lines"), 0);   // a line being written is not a corrupt one
  const json h = get_json("/api/run?id=" + half.at("id").get<std::string>());
  EXPECT_TRUE(h.at("partial_tail").get<bool>());
  EXPECT_TRUE(h.at("summary").is_null());
  EXPECT_EQ(h.at("records").size(), 1u);

  const json corrupt = run_named(runs, "corrupt");
  ASSERT_FALSE(corrupt.is_null());
  EXPECT_EQ(corrupt.at("epochs_done"), 2);
  EXPECT_EQ(corrupt.at("corrupt_lines"), 2);
  const json c = get_json("/api/run?id=" + corrupt.at("id").get<std::string>());
  EXPECT_EQ(c.at("corrupt_at"), json::array({2, 4}));
  EXPECT_TRUE(c.at("summary").is_null());
  EXPECT_NE(c.at("summary_error").get<std::string>().find("summary.json is not valid JSON"), std::string::npos);
  expect_still_answering();
}

TEST_F(BoardApi, PathsOutsideTheRootsAreRefused) {
  const std::string secret_model = "secret-model";
  for (const std::string& path : std::vector<std::string>{
           "/api/run?id=0/../outside/secret",
           "/api/run?id=0/%2e%2e/outside/secret",
           "/api/run?id=0/%2E%2E%2Foutside%2Fsecret",
           "/api/run?id=0/finished/../../outside/secret",
           "/api/run?id=0/" + (base_ / "outside/secret").string(),  // an absolute path
           "/api/run?id=0/link-out",                                // a link that leads out
           "/api/run?id=1/finished",                                // no such root
           "/api/run?id=x/finished",
           "/api/file?id=0/finished&name=../../outside/secret.png",
           "/api/file?id=0/finished&name=%2e%2e/%2e%2e/outside/secret.png",
           "/api/file?id=0/finished&name=leak.png",  // a link to a file outside
           "/api/file?id=0/finished&name=config.json%00.png",
           "/../../outside/secret.png",
           "/%2e%2e/%2e%2e/outside/secret.png",
           "/lib/../../../etc/passwd",
       }) {
    auto res = client_->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_TRUE(res->status == 404 || res->status == 403 || res->status == 400) << path << " " << res->status;
    EXPECT_EQ(res->body.find("SECRET-BYTES"), std::string::npos) << path;
    EXPECT_EQ(res->body.find(secret_model), std::string::npos) << path;
  }
  // Nor is a linked run listed.
  const json runs = get_json("/api/runs");
  EXPECT_EQ(runs.dump().find(secret_model), std::string::npos);
  EXPECT_TRUE(run_named(runs, "link-out").is_null());
  expect_still_answering();
}

TEST_F(BoardApi, HugeAndMalformedRequestsAreRefusedAndTheServerStaysUp) {
  const int port = board_->port();
  const std::string big(10 << 20, 'a');
  auto status_line = [](const std::string& reply) { return reply.substr(0, reply.find('\r')); };
  // A server that answers before reading all that was sent closes with bytes unread: the
  // kernel then resets the connection, and the answer may be lost with it. Nothing, or
  // that refusal; never a 200.
  auto refused = [&](const std::string& reply, const char* code) {
    return reply.empty() || status_line(reply).find(code) != std::string::npos;
  };
  // A 10 MB target, a 10 MB header, 10 MB of small headers, bytes that are not HTTP.
  const std::string close = "Host: 127.0.0.1\r\nConnection: close\r\n";
  std::string reply = raw_request(port, "GET /api/runs?" + big + " HTTP/1.1\r\n" + close + "\r\n");
  EXPECT_TRUE(refused(reply, "414")) << status_line(reply);
  expect_still_answering();
  reply = raw_request(port, "GET /api/runs HTTP/1.1\r\n" + close + "X-Big: " + big + "\r\n\r\n");
  EXPECT_TRUE(refused(reply, "400")) << status_line(reply);
  expect_still_answering();
  std::string many = "GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (int i = 0; many.size() < (10u << 20); ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  reply = raw_request(port, many + "\r\n");
  EXPECT_NE(status_line(reply).find("431"), std::string::npos) << status_line(reply);
  expect_still_answering();
  reply = raw_request(port, std::string("\x16\x03\x01\x00\xff garbage \0\0\r\n\r\n", 24));
  EXPECT_NE(status_line(reply).find("400"), std::string::npos) << status_line(reply);
  expect_still_answering();
  // A body, a method that would write, another site's name for 127.0.0.1.
  reply = raw_request(port, "POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " +
                                std::to_string(big.size()) + "\r\n\r\n" + big);
  EXPECT_TRUE(refused(reply, "405")) << status_line(reply);
  auto del = client_->Delete("/api/runs");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  reply = raw_request(port, "GET /api/runs HTTP/1.1\r\nHost: attacker.example:6006\r\nConnection: close\r\n\r\n");
  EXPECT_NE(status_line(reply).find("403"), std::string::npos) << status_line(reply);
  expect_still_answering();
}

TEST_F(BoardApi, StudiesLockedOrCorruptAreErrorsForThatStudyOnly) {
  // Another connection holds the database's lock exclusively, as a writer in the middle of
  // a transaction would with locking_mode=EXCLUSIVE.
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open((base_ / "locked" / "locked.db").c_str(), &locker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(locker, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
                                 "UPDATE trials SET message=message WHERE 0;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);

  const json all = get_json("/api/studies");
  ASSERT_EQ(all.at("storages").size(), 3u);
  const json& good = all["storages"][0];
  ASSERT_TRUE(good.contains("studies")) << good.dump();
  ASSERT_EQ(good["studies"].size(), 1u);
  EXPECT_EQ(good["studies"][0].at("study"), "quad");
  EXPECT_EQ(good["studies"][0].at("n_trials"), 12);
  EXPECT_NE(all["storages"][1].value("error", "").find("locked"), std::string::npos) << all["storages"][1].dump();
  EXPECT_NE(all["storages"][2].value("error", "").find("not an SQLite database"), std::string::npos)
      << all["storages"][2].dump();

  const json locked = get_json("/api/study?storage=1&name=quad", 503);
  EXPECT_NE(locked.at("error").get<std::string>().find("locked"), std::string::npos);
  get_json("/api/study?storage=2&name=quad", 503);
  get_json("/api/study?storage=0&name=nosuch", 404);
  EXPECT_EQ(status_of("/api/study?storage=7&name=quad"), 404);

  // The good study, whole: its trials as the storage holds them, and their importance.
  const json study = get_json("/api/study?storage=0&name=quad");
  ASSERT_EQ(study.at("trials").size(), 12u);
  int pruned = 0, complete = 0;
  for (const json& t : study["trials"]) {
    pruned += t["state"] == "pruned";
    complete += t["state"] == "complete";
    if (t["state"] == "complete") {
      EXPECT_EQ(t["intermediate"].size(), 5u);
    }
  }
  EXPECT_GT(pruned, 0);
  EXPECT_GT(complete, 0);
  EXPECT_EQ(study.at("importance")[0].at("name"), "x");

  // Unlocked, the same database reads: the error was the lock.
  sqlite3_exec(locker, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(locker);
  const json unlocked = get_json("/api/study?storage=1&name=quad");
  EXPECT_EQ(unlocked.at("trials").size(), 12u);
  expect_still_answering();
}

TEST_F(BoardApi, ExperimentReportsRenderWithTheirPlots) {
  const json runs = get_json("/api/runs");
  ASSERT_EQ(runs.at("experiments").size(), 2u) << runs.dump(1);
  const json report = get_json("/api/experiment?id=0/exp");
  EXPECT_EQ(report.at("experiment"), "ce-vs-mse");
  const std::string html = report.at("html");
  EXPECT_NE(html.find("<h1>"), std::string::npos);
  EXPECT_NE(html.find("<table>"), std::string::npos);  // GitHub tables, rendered
  ASSERT_FALSE(report.at("files").empty());
  const std::string png = report["files"][0];
  EXPECT_NE(html.find("<img src=\"" + png), std::string::npos) << html.substr(0, 2000);
  auto file = client_->Get("/api/file?id=0/exp&name=" + png);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->status, 200);
  EXPECT_EQ(file->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(file->body, read_text(root_ / "exp" / png));
  EXPECT_EQ(status_of("/api/file?id=0/exp&name=results.json.bak"), 404);

  const std::string hostile = get_json("/api/experiment?id=0/hostile").at("html");
  EXPECT_EQ(hostile.find("<script"), std::string::npos) << hostile;
  EXPECT_EQ(hostile.find("javascript:"), std::string::npos) << hostile;
}

TEST(BoardCli, RefusesWhatItCannotServe) {
  auto r = run_cli("board --runs /nonexistent/runs --port 0");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/runs: not a directory"), std::string::npos) << r.err;
  r = run_cli("board --storage memory: --port 0");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("memory:"), std::string::npos) << r.err;
  r = run_cli("board --storage nosuch://x --port 0");
  EXPECT_NE(r.code, 0);
  r = run_cli("board --port 70000");
  EXPECT_EQ(r.code, 2);
}

}  // namespace
