#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>

#include "nnlab/error.h"
#include "nnlab/tune/storage.h"
#include "tune/tune_test_util.h"

using namespace nnlab;
using namespace nnlab::tune;
using nnlab::tune::testing::TempDir;

namespace {

SearchSpace space() {
  return SearchSpace::parse(R"({"lr": {"type": "float", "low": 1e-5, "high": 1, "log": true},
    "n": {"type": "int", "low": 1, "high": 9}, "opt": {"type": "categorical", "choices": ["sgd", "adam"]},
    "bn": {"type": "categorical", "choices": [true, false]}})");
}

void raw_sql(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

}  // namespace

TEST(SqliteStorage, UrlsFollowSqlAlchemy) {
  EXPECT_EQ(sqlite_path_from_url("sqlite:///studies/a.db"), "studies/a.db");
  EXPECT_EQ(sqlite_path_from_url("sqlite:////tmp/a.db"), "/tmp/a.db");
  for (const char* bad : {"studies/a.db", "postgres://host/db", "sqlite://a.db", "sqlite:///", "sqlite:///:memory:",
                          "sqlite:///dir/"}) {
    try {
      sqlite_path_from_url(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("sqlite:///"), std::string::npos) << e.what();
    }
  }
}

TEST(SqliteStorage, RoundTripsStudiesTrialsParamsAndValues) {
  TempDir dir;
  Params params{{"lr", 0.1 + 1e-17}, {"n", 7}, {"opt", "adam"}, {"bn", true}};
  params["lr"] = 0.00012345678901234567;  // every bit must survive
  {
    SqliteStorage storage(dir.url());
    StudyRecord rec = storage.create_or_load_study("s", Direction::Maximize, space(), {{"kind", "command"}});
    auto t = storage.start_trial(rec.id, 10);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->number, 0);
    EXPECT_EQ(t->state, TrialState::Running);
    ASSERT_TRUE(storage.set_params(t->id, params));
    storage.report(t->id, 1, 0.5);
    storage.report(t->id, 2, NAN);
    storage.report(t->id, 1, 0.9);  // a repeated step is ignored
    storage.finish_trial(t->id, TrialState::Complete, 0.75, "", {{"val_loss", 0.3}});
    auto t2 = storage.start_trial(rec.id, 10);
    storage.set_params(t2->id, params);
    storage.finish_trial(t2->id, TrialState::Failed, std::nullopt, "boom");
  }
  SqliteStorage storage(dir.url());
  auto rec = storage.find_study("s");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->direction, Direction::Maximize);
  EXPECT_EQ(rec->space.to_json(), space().to_json());
  EXPECT_EQ(rec->objective["kind"], "command");
  auto trials = storage.load_trials(rec->id);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Complete);
  EXPECT_EQ(*trials[0].value, 0.75);
  EXPECT_EQ(trials[0].params, params);
  EXPECT_EQ(trials[0].params.at("lr").get<double>(), 0.00012345678901234567);
  EXPECT_TRUE(trials[0].params.at("n").is_number_integer());
  ASSERT_EQ(trials[0].intermediate.size(), 2u);
  EXPECT_EQ(trials[0].intermediate[0].value, 0.5);
  EXPECT_TRUE(std::isnan(trials[0].intermediate[1].value));
  EXPECT_EQ(trials[0].metrics["val_loss"], 0.3);
  EXPECT_GT(trials[0].finished_at, 0);
  EXPECT_EQ(trials[1].state, TrialState::Failed);
  EXPECT_EQ(trials[1].message, "boom");
  EXPECT_FALSE(trials[1].value);
  EXPECT_EQ(storage.list_studies().size(), 1u);
}

TEST(SqliteStorage, ResumingRequiresTheSameDirectionAndSpace) {
  TempDir dir;
  SqliteStorage storage(dir.url());
  storage.create_or_load_study("s", Direction::Minimize, space(), {});
  EXPECT_NO_THROW(storage.create_or_load_study("s", Direction::Minimize, space(), {}));
  EXPECT_THROW(storage.create_or_load_study("s", Direction::Maximize, space(), {}), ConfigError);
  SearchSpace other = SearchSpace::parse(R"({"lr": {"type": "float", "low": 1e-4, "high": 1, "log": true}})");
  try {
    storage.create_or_load_study("s", Direction::Minimize, other, {});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'lr'"), std::string::npos) << e.what();
  }
}

TEST(SqliteStorage, TargetCountAndGridClaims) {
  TempDir dir;
  SqliteStorage storage(dir.url());
  auto rec = storage.create_or_load_study("s", Direction::Minimize, space(), {});
  auto a = storage.start_trial(rec.id, 2), b = storage.start_trial(rec.id, 2);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(storage.start_trial(rec.id, 2));  // the target counts running trials too
  EXPECT_TRUE(storage.set_params(a->id, {{"n", 1}}, "grid:1"));
  EXPECT_FALSE(storage.set_params(b->id, {{"n", 1}}, "grid:1"));  // taken: nothing written
  EXPECT_TRUE(storage.set_params(b->id, {{"n", 2}}, "grid:2"));
  EXPECT_EQ(storage.claims(rec.id), (std::set<std::string>{"grid:1", "grid:2"}));
  auto counts = storage.counts(rec.id);
  EXPECT_EQ(counts.counted, 2);
  EXPECT_EQ(counts.running, 2);
  storage.discard_trial(b->id);
  EXPECT_EQ(storage.claims(rec.id), (std::set<std::string>{"grid:1"}));
  EXPECT_TRUE(storage.start_trial(rec.id, 2));
}

TEST(SqliteStorage, InterruptedTrialIsRetriedWithItsParamsAndClaim) {
  TempDir dir;
  SqliteStorage storage(dir.url());
  auto rec = storage.create_or_load_study("s", Direction::Minimize, space(), {});
  Params p{{"lr", 0.01}, {"n", 3}, {"opt", "sgd"}, {"bn", false}};
  auto t = storage.start_trial(rec.id, 5);
  storage.set_params(t->id, p, "grid:x");
  storage.interrupt_trial(t->id, "interrupted: test", 2);
  auto trials = storage.load_trials(rec.id);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_FALSE(trials[0].counted);
  EXPECT_EQ(trials[1].state, TrialState::Waiting);
  EXPECT_EQ(trials[1].params, p);
  EXPECT_EQ(*trials[1].retry_of, 0);
  EXPECT_EQ(storage.counts(rec.id).counted, 1);
  // The next start takes the retry; interrupted again at its last attempt, it stays failed.
  auto retry = storage.start_trial(rec.id, 5);
  EXPECT_EQ(retry->number, 1);
  EXPECT_EQ(retry->params, p);
  EXPECT_EQ(retry->attempt, 2);
  EXPECT_FALSE(storage.set_params(storage.start_trial(rec.id, 5)->id, p, "grid:x"));  // the claim moved along
  storage.interrupt_trial(retry->id, "interrupted: test", 2);
  trials = storage.load_trials(rec.id);
  EXPECT_EQ(trials[1].state, TrialState::Failed);
  EXPECT_TRUE(trials[1].counted);
  EXPECT_NE(trials[1].message.find("not retried"), std::string::npos);
  EXPECT_EQ(storage.counts(rec.id).waiting, 0);
}

TEST(SqliteStorage, RecoversTheTrialOfADeadProcess) {
  TempDir dir;
  int64_t study_id;
  {
    SqliteStorage storage(dir.url());
    study_id = storage.create_or_load_study("s", Direction::Minimize, space(), {}).id;
  }
  pid_t child = fork();
  if (child == 0) {
    // Another worker: starts a trial and dies without a word.
    SqliteStorage storage(dir.url());
    auto t = storage.start_trial(study_id, 5);
    storage.set_params(t->id, {{"lr", 0.01}, {"n", 3}, {"opt", "sgd"}, {"bn", false}});
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  SqliteStorage storage(dir.url());
  auto mine = storage.start_trial(study_id, 5);  // this process's own running trial is left alone
  storage.set_params(mine->id, {{"lr", 0.02}, {"n", 3}, {"opt", "sgd"}, {"bn", false}});
  EXPECT_EQ(storage.recover_stale_trials(study_id, 3600, 3), 1);
  EXPECT_EQ(storage.recover_stale_trials(study_id, 3600, 3), 0);
  auto trials = storage.load_trials(study_id);
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_NE(trials[0].message.find("stopped while it ran"), std::string::npos);
  EXPECT_EQ(trials[1].state, TrialState::Running);
  EXPECT_EQ(trials[2].state, TrialState::Waiting);
  EXPECT_EQ(trials[2].params.at("lr"), 0.01);
  // A worker of another machine is judged by its heartbeat.
  raw_sql(storage.path(), "UPDATE trials SET owner_host='elsewhere', heartbeat_at=heartbeat_at-100 WHERE number=1");
  EXPECT_EQ(storage.recover_stale_trials(study_id, 3600, 3), 0);
  EXPECT_EQ(storage.recover_stale_trials(study_id, 50, 3), 1);
}

TEST(SqliteStorage, RefusesFilesThatAreNotStudyDatabases) {
  TempDir dir;
  dir.write("notes.db", "just some text, long enough to look like a file header................................");
  try {
    SqliteStorage s(dir.url("notes.db"));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("not an SQLite database"), std::string::npos) << e.what();
  }
  raw_sql(dir.path / "other.db", "CREATE TABLE t(x)");
  try {
    SqliteStorage s(dir.url("other.db"));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("not an nnlab study database"), std::string::npos) << e.what();
  }
  { SqliteStorage s(dir.url("new.db")); }
  raw_sql(dir.path / "new.db", "UPDATE nnlab_meta SET value='99' WHERE key='schema_version'");
  EXPECT_THROW(SqliteStorage(dir.url("new.db")), IoError);
  try {
    SqliteStorage s(dir.url("missing/dir/a.db"));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}
