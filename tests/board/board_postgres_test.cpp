// nnlab board over a PostgreSQL study storage: a study tuned into a throwaway server is
// listed and shown like one in SQLite (read in read-only transactions).
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "board/board_process.h"
#include "support/cli.h"
#include "tune/postgres_server.h"

namespace fs = std::filesystem;
using nlohmann::json;
using nnlab::testing::BoardProcess;
using nnlab::testing::run_cli;
using nnlab::tune::testing::kNoPostgres;
using nnlab::tune::testing::test_postgres;

namespace {

TEST(BoardPostgres, ShowsAStudyOfAPostgresServer) {
  auto* server = test_postgres();
  if (!server) GTEST_SKIP() << kNoPostgres;
  const std::string url = server->tcp_url(server->new_database_name());
  auto r = run_cli("tune --study pg --storage '" + url + "' --objective branin --sampler random --trials 6 --seed 1");
  ASSERT_EQ(r.code, 0) << r.err;
  const fs::path log = fs::temp_directory_path() / ("nnlab_board_pg_" + std::to_string(::getpid()) + ".log");
  BoardProcess board("--storage " + url, log);
  ASSERT_GT(board.port(), 0) << board.log();
  httplib::Client client("127.0.0.1", board.port());
  auto list = client.Get("/api/studies");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  const json storages = json::parse(list->body).at("storages");
  ASSERT_EQ(storages.size(), 1u);
  ASSERT_TRUE(storages[0].contains("studies")) << storages.dump();
  EXPECT_EQ(list->body.find(nnlab::tune::testing::PostgresServer::kPassword), std::string::npos);  // redacted
  ASSERT_EQ(storages[0]["studies"].size(), 1u);
  EXPECT_EQ(storages[0]["studies"][0].at("n_trials"), 6);
  auto study = client.Get("/api/study?storage=0&name=pg");
  ASSERT_TRUE(study);
  ASSERT_EQ(study->status, 200) << study->body;
  EXPECT_EQ(json::parse(study->body).at("trials").size(), 6u);
  EXPECT_EQ(board.stop(), 0);
  fs::remove(log);
}

}  // namespace
