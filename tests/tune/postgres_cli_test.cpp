// nnlab tune and nnlab study list|show|plot|copy on a PostgreSQL storage (and memory:), end
// to end, with the real program.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tune/postgres_server.h"
#include "tune/tune_test_util.h"

using namespace nnlab::tune::testing;

TEST(PostgresCli, TuneAndEveryStudyVerbOnAServer) {
  PostgresServer* server = test_postgres();
  if (!server) GTEST_SKIP() << kNoPostgres;
  TempDir dir;
  const std::string url = server->tcp_url(server->new_database_name());
  const std::string pw = PostgresServer::kPassword;
  CliResult r = run_cli("tune --study b --storage '" + url + "' --objective branin --trials 30 --workers 3 --json",
                        dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  auto result = nlohmann::json::parse(r.out);
  EXPECT_EQ(result["n_trials"], 30);
  EXPECT_EQ(result["storage"].get<std::string>().find(pw), std::string::npos) << result["storage"];

  r = run_cli("study list --storage '" + url + "' --json", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  auto list = nlohmann::json::parse(r.out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["study"], "b");
  r = run_cli("study show --storage '" + url + "' --study b --top 3", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("rank  trial  state"), std::string::npos) << r.out;
  r = run_cli("study plot --storage '" + url + "' --study b --out plots --json", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["plots"].size(), 3u);

  // To SQLite and back to another database on the server: the same study each time.
  r = run_cli("study copy --from '" + url + "' --to sqlite:///copy.db", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("copied study 'b'"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(pw), std::string::npos) << r.out;
  const std::string back = server->new_database();
  r = run_cli("study copy --from sqlite:///copy.db --to '" + back + "' --study b", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  for (const std::string& where : {std::string("sqlite:///copy.db"), back}) {
    r = run_cli("study show --storage '" + where + "' --study b --json", dir.path);
    ASSERT_EQ(r.code, 0) << r.err;
    auto shown = nlohmann::json::parse(r.out);
    EXPECT_EQ(shown["n_trials"], 30);
    EXPECT_EQ(shown["best_value"], result["best_value"]);
    EXPECT_EQ(shown["best_params"], result["best_params"]);
  }
  r = run_cli("study copy --from '" + url + "' --to sqlite:///copy.db", dir.path);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("already holds a study 'b'"), std::string::npos) << r.err;
  // A resumed study on the copy continues where the original stood.
  r = run_cli("tune --study b --storage sqlite:///copy.db --objective branin --trials 35 --json", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["n_trials"], 35);
}

TEST(PostgresCli, BadUrlIsOneLineWithoutThePasswordAndExitOne) {
  PostgresServer* server = test_postgres();
  if (!server) GTEST_SKIP() << kNoPostgres;
  TempDir dir;
  const std::string pw = PostgresServer::kPassword;
  std::string wrong = "postgresql://nnlab:not-" + pw + "@127.0.0.1:" + std::to_string(server->port()) + "/postgres";
  CliResult r = run_cli("tune --study b --storage '" + wrong + "' --objective branin --trials 3", dir.path);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("error: cannot connect to postgresql://nnlab:***@127.0.0.1", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.find(pw), std::string::npos) << r.err;
  r = run_cli("study list --storage '" + server->url(server->new_database_name()) + "'", dir.path);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("holds no nnlab studies"), std::string::npos) << r.err;
  r = run_cli("study copy --from sqlite:///none.db --to memory:", dir.path);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no study database"), std::string::npos) << r.err;
  r = run_cli("study copy --to memory:", dir.path);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--from"), std::string::npos) << r.err;
}

TEST(MemoryStorageCli, AStudyThatLivesForOneRun) {
  TempDir dir;
  CliResult r = run_cli("tune --study m --storage memory: --objective branin --trials 5 --json", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["n_trials"], 5);
  // Nothing written but the test's own output files.
  auto entries = std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator());
  EXPECT_EQ(entries, 2);
}
