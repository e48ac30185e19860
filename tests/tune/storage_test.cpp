// One suite for every storage backend (as Optuna's storage tests are parametrised over
// its storages): memory:, sqlite:/// and postgresql:// on a throwaway server.
#include <gtest/gtest.h>
#include <sched.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <map>

#include "nnlab/error.h"
#include "nnlab/tune/storage.h"
#include "tune/postgres_server.h"
#include "tune/tune_test_util.h"

using namespace nnlab;
using namespace nnlab::tune;
using namespace nnlab::tune::testing;

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

const Params kParams{{"lr", 0.01}, {"n", 3}, {"opt", "sgd"}, {"bn", false}};

// Runs f in a child process (another worker) and waits; f's return value is the exit status.
template <class F>
int in_child(F f) {
  pid_t pid = fork();
  if (pid == 0) {
    int code = 1;
    try {
      code = f();
    } catch (...) {
    }
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class StorageTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      url_ = "memory:";
    } else if (GetParam() == "sqlite") {
      url_ = dir_.url();
    } else {
      PostgresServer* server = test_postgres();
      if (!server) GTEST_SKIP() << kNoPostgres;
      url_ = server->new_database();
    }
    storage_ = open_storage(url_);
  }

  Storage& storage() { return *storage_; }
  // Another connection to the same storage (the same one for memory:, which is one process's).
  Storage& another() {
    if (url_ == "memory:") return *storage_;
    others_.push_back(open_storage(url_));
    return *others_.back();
  }
  bool shared_between_processes() const { return url_ != "memory:"; }

  TempDir dir_;
  std::string url_;
  std::unique_ptr<Storage> storage_;
  std::vector<std::unique_ptr<Storage>> others_;
};

std::string backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, StorageTest, ::testing::Values("memory", "sqlite", "postgresql"), backend_name);

TEST_P(StorageTest, RoundTripsStudiesTrialsParamsAndValues) {
  Params params{{"lr", 0.00012345678901234567}, {"n", 7}, {"opt", "adam"}, {"bn", true}};  // every bit must survive
  StudyRecord rec = storage().create_or_load_study("s", Direction::Maximize, space(), {{"kind", "command"}});
  auto t = storage().start_trial(rec.id, 10);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->number, 0);
  EXPECT_EQ(t->state, TrialState::Running);
  ASSERT_TRUE(storage().set_params(t->id, params));
  storage().report(t->id, 1, 0.5);
  storage().report(t->id, 2, NAN);
  storage().report(t->id, 3, 1e-300);
  storage().report(t->id, 1, 0.9);  // a repeated step is ignored
  storage().finish_trial(t->id, TrialState::Complete, 0.1 + 0.2, "", {{"val_loss", 0.3}});
  auto t2 = storage().start_trial(rec.id, 10);
  storage().set_params(t2->id, params);
  storage().finish_trial(t2->id, TrialState::Failed, std::nullopt, "boom 'quoted' \"text\"\nsecond line");

  Storage& other = another();
  auto found = other.find_study("s");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->direction, Direction::Maximize);
  EXPECT_EQ(found->space.to_json(), space().to_json());
  EXPECT_EQ(found->objective["kind"], "command");
  EXPECT_FALSE(other.find_study("t"));
  auto trials = other.load_trials(found->id);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Complete);
  EXPECT_EQ(*trials[0].value, 0.1 + 0.2);
  EXPECT_EQ(trials[0].params, params);
  EXPECT_EQ(trials[0].params.at("lr").get<double>(), 0.00012345678901234567);
  EXPECT_TRUE(trials[0].params.at("n").is_number_integer());
  ASSERT_EQ(trials[0].intermediate.size(), 3u);
  EXPECT_EQ(trials[0].intermediate[0].value, 0.5);
  EXPECT_TRUE(std::isnan(trials[0].intermediate[1].value));
  EXPECT_EQ(trials[0].intermediate[2].value, 1e-300);
  EXPECT_EQ(trials[0].metrics["val_loss"], 0.3);
  EXPECT_GE(trials[0].finished_at, trials[0].started_at);
  EXPECT_GT(trials[0].started_at, 0);
  EXPECT_EQ(trials[1].state, TrialState::Failed);
  EXPECT_EQ(trials[1].message, "boom 'quoted' \"text\"\nsecond line");
  EXPECT_FALSE(trials[1].value);
  EXPECT_EQ(other.list_studies().size(), 1u);
}

TEST_P(StorageTest, ResumingRequiresTheSameDirectionAndSpace) {
  storage().create_or_load_study("s", Direction::Minimize, space(), {});
  EXPECT_NO_THROW(another().create_or_load_study("s", Direction::Minimize, space(), {}));
  EXPECT_THROW(storage().create_or_load_study("s", Direction::Maximize, space(), {}), ConfigError);
  SearchSpace other = SearchSpace::parse(R"({"lr": {"type": "float", "low": 1e-4, "high": 1, "log": true}})");
  try {
    storage().create_or_load_study("s", Direction::Minimize, other, {});
    FAIL();
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("'lr'"), std::string::npos) << what;
    EXPECT_EQ(what.find(" --"), std::string::npos) << "the library names no flags: " << what;
  }
}

TEST_P(StorageTest, TargetCountAndGridClaims) {
  auto rec = storage().create_or_load_study("s", Direction::Minimize, space(), {});
  auto a = storage().start_trial(rec.id, 2), b = another().start_trial(rec.id, 2);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->number, 1);
  EXPECT_FALSE(storage().start_trial(rec.id, 2));  // the target counts running trials too
  EXPECT_TRUE(storage().set_params(a->id, {{"n", 1}}, "grid:1"));
  EXPECT_TRUE(storage().set_params(a->id, {{"n", 1}}, "grid:1"));    // its own claim again: still its
  EXPECT_FALSE(another().set_params(b->id, {{"n", 1}}, "grid:1"));  // taken: nothing written
  EXPECT_TRUE(storage().set_params(b->id, {{"n", 2}}, "grid:2"));
  EXPECT_EQ(storage().claims(rec.id), (std::set<std::string>{"grid:1", "grid:2"}));
  EXPECT_EQ(storage().claim_holders(rec.id), (std::map<std::string, int>{{"grid:1", 0}, {"grid:2", 1}}));
  auto counts = storage().counts(rec.id);
  EXPECT_EQ(counts.counted, 2);
  EXPECT_EQ(counts.running, 2);
  storage().discard_trial(b->id);
  EXPECT_EQ(storage().claims(rec.id), (std::set<std::string>{"grid:1"}));
  EXPECT_TRUE(storage().start_trial(rec.id, 2));
}

TEST_P(StorageTest, InterruptedTrialIsRetriedAsARetryOfTheOriginal) {
  auto rec = storage().create_or_load_study("s", Direction::Minimize, space(), {});
  auto t = storage().start_trial(rec.id, 5);
  storage().set_params(t->id, kParams, "grid:x");
  EXPECT_TRUE(storage().interrupt_trial(t->id, "interrupted: test", 3));
  EXPECT_FALSE(storage().interrupt_trial(t->id, "interrupted: test", 3));  // no longer running
  auto trials = storage().load_trials(rec.id);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_FALSE(trials[0].counted);
  EXPECT_EQ(trials[1].state, TrialState::Waiting);
  EXPECT_EQ(trials[1].params, kParams);
  EXPECT_EQ(*trials[1].retry_of, 0);
  EXPECT_EQ(storage().counts(rec.id).counted, 1);
  // The next start takes the retry; interrupted again, its retry is still the original's.
  auto retry = another().start_trial(rec.id, 5);
  EXPECT_EQ(retry->number, 1);
  EXPECT_EQ(retry->params, kParams);
  EXPECT_EQ(retry->attempt, 2);
  EXPECT_FALSE(storage().set_params(storage().start_trial(rec.id, 5)->id, kParams, "grid:x"));  // the claim moved along
  EXPECT_TRUE(storage().interrupt_trial(retry->id, "interrupted: test", 3));
  auto third = storage().start_trial(rec.id, 5);
  EXPECT_EQ(third->attempt, 3);
  EXPECT_EQ(*third->retry_of, 0);
  // At its last attempt it stays failed and counts.
  EXPECT_TRUE(storage().interrupt_trial(third->id, "interrupted: test", 3));
  trials = storage().load_trials(rec.id);
  const FrozenTrial& last = trials.back();
  EXPECT_EQ(last.number, third->number);
  EXPECT_EQ(last.state, TrialState::Failed);
  EXPECT_TRUE(last.counted);
  EXPECT_NE(last.message.find("not retried"), std::string::npos);
  EXPECT_EQ(storage().counts(rec.id).waiting, 0);
}

TEST_P(StorageTest, AFinishedTrialIsNeverFailedAsStale) {
  auto rec = storage().create_or_load_study("s", Direction::Minimize, space(), {});
  auto t = storage().start_trial(rec.id, 5);
  storage().set_params(t->id, kParams);
  // A heartbeat younger than the grace period: the conditional interrupt leaves it running.
  EXPECT_FALSE(another().interrupt_trial(t->id, "stale", 2, 3600));
  storage().finish_trial(t->id, TrialState::Complete, 1.5, "");
  EXPECT_FALSE(another().interrupt_trial(t->id, "stale", 2));
  storage().finish_trial(t->id, TrialState::Failed, std::nullopt, "late");  // only a running trial finishes
  auto trials = storage().load_trials(rec.id);
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Complete);
  EXPECT_EQ(*trials[0].value, 1.5);
}

TEST_P(StorageTest, RecoversTheTrialOfADeadProcess) {
  if (!shared_between_processes()) GTEST_SKIP() << "memory: lives in one process";
  int64_t study_id = storage().create_or_load_study("s", Direction::Minimize, space(), {}).id;
  // Another worker starts a trial and dies without a word.
  ASSERT_EQ(in_child([&] {
              auto s = open_storage(url_);
              auto t = s->start_trial(study_id, 5);
              s->set_params(t->id, kParams);
              return 0;
            }),
            0);
  auto mine = storage().start_trial(study_id, 5);  // this process's own running trial is left alone
  storage().set_params(mine->id, {{"lr", 0.02}, {"n", 3}, {"opt", "sgd"}, {"bn", false}});
  EXPECT_EQ(storage().recover_stale_trials(study_id, 3600, 3), 1);
  EXPECT_EQ(another().recover_stale_trials(study_id, 3600, 3), 0);
  auto trials = storage().load_trials(study_id);
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_NE(trials[0].message.find("stopped while it ran"), std::string::npos);
  EXPECT_EQ(trials[1].state, TrialState::Running);
  EXPECT_EQ(trials[2].state, TrialState::Waiting);
  EXPECT_EQ(trials[2].params, kParams);
}

TEST_P(StorageTest, AnotherHostsTrialIsFailedAfterTheGracePeriodOfItsHeartbeat) {
  if (!shared_between_processes()) GTEST_SKIP() << "memory: lives in one process";
  if (geteuid() != 0) GTEST_SKIP() << "another host (a UTS namespace with its own host name) needs root";
  int64_t study_id = storage().create_or_load_study("s", Direction::Minimize, space(), {}).id;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t worker = fork();
  if (worker == 0) {
    // A worker on "elsewhere": alive, but silent after its first heartbeat.
    if (unshare(CLONE_NEWUTS) != 0 || sethostname("elsewhere", 9) != 0) _exit(2);
    auto s = open_storage(url_);
    auto t = s->start_trial(study_id, 5);
    s->set_params(t->id, kParams);
    [[maybe_unused]] ssize_t n = write(ready[1], "x", 1);
    pause();
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  EXPECT_EQ(storage().recover_stale_trials(study_id, 3600, 2), 0);  // within the grace period
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(another().recover_stale_trials(study_id, 1, 2), 1);
  kill(worker, SIGKILL);
  waitpid(worker, nullptr, 0);
  auto trials = storage().load_trials(study_id);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_NE(trials[0].message.find("no heartbeat from its worker"), std::string::npos) << trials[0].message;
  EXPECT_NE(trials[0].message.find("on elsewhere"), std::string::npos) << trials[0].message;
  EXPECT_EQ(*trials[1].retry_of, 0);
}

TEST_P(StorageTest, WorkersAskingAtOnceGetEachGridPointOnceAndExactlyTheTarget) {
  if (!shared_between_processes()) GTEST_SKIP() << "memory: lives in one process";
  int64_t study_id = storage().create_or_load_study("s", Direction::Minimize, space(), {}).id;
  constexpr int kWorkers = 6, kTarget = 40;
  std::vector<pid_t> workers;
  for (int w = 0; w < kWorkers; ++w) {
    pid_t pid = fork();
    if (pid == 0) {
      int code = 1;
      try {
        auto s = open_storage(url_);
        // Each takes the lowest free point, so all of them contend for the same ones.
        while (auto t = s->start_trial(study_id, kTarget)) {
          int point = 0;
          while (!s->set_params(t->id, {{"n", point}}, "grid:" + std::to_string(point))) ++point;
          s->finish_trial(t->id, TrialState::Complete, point, "");
        }
        code = 0;
      } catch (...) {
      }
      _exit(code);
    }
    workers.push_back(pid);
  }
  for (pid_t pid : workers) EXPECT_EQ(wait_exit(pid), 0);
  auto trials = storage().load_trials(study_id);
  ASSERT_EQ(trials.size(), static_cast<size_t>(kTarget));
  std::set<int> points;
  for (auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Complete);
    EXPECT_TRUE(points.insert(t.params.at("n").get<int>()).second) << "point " << t.params.at("n") << " twice";
  }
  EXPECT_EQ(*points.rbegin(), kTarget - 1);
}

TEST_P(StorageTest, CopiesAStudyToEveryBackendAndBack) {
  auto rec = storage().create_or_load_study("s", Direction::Maximize, space(), {{"kind", "builtin"}});
  for (int i = 0; i < 3; ++i) {
    auto t = storage().start_trial(rec.id, 10);
    storage().set_params(t->id, {{"lr", 0.1 * (i + 1)}, {"n", i + 1}, {"opt", "sgd"}, {"bn", true}},
                         "grid:" + std::to_string(i));
    storage().report(t->id, 1, i * 0.25);
    if (i == 2) storage().interrupt_trial(t->id, "interrupted: test", 2);
    else storage().finish_trial(t->id, TrialState::Complete, i * 0.5, "", {{"epochs", 2}});
  }
  TempDir elsewhere;
  std::vector<std::unique_ptr<Storage>> targets;
  targets.push_back(open_storage("memory:"));
  targets.push_back(open_storage(elsewhere.url()));
  if (PostgresServer* server = test_postgres()) targets.push_back(open_storage(server->new_database()));
  auto expected = storage().load_trials(rec.id);
  for (auto& to : targets) {
    ASSERT_EQ(copy_studies(storage(), *to), std::vector<std::string>{"s"});
    auto copy = to->find_study("s");
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->space.to_json(), rec.space.to_json());
    EXPECT_EQ(copy->direction, rec.direction);
    auto got = to->load_trials(copy->id);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].number, expected[i].number);
      EXPECT_EQ(got[i].state, expected[i].state);
      EXPECT_EQ(got[i].value, expected[i].value);
      EXPECT_EQ(got[i].params, expected[i].params);
      EXPECT_EQ(got[i].counted, expected[i].counted);
      EXPECT_EQ(got[i].retry_of, expected[i].retry_of);
      EXPECT_EQ(got[i].metrics, expected[i].metrics);
      EXPECT_EQ(got[i].intermediate.size(), expected[i].intermediate.size());
      EXPECT_EQ(got[i].started_at, expected[i].started_at);
    }
    EXPECT_EQ(to->claim_holders(copy->id), storage().claim_holders(rec.id));
    // The waiting retry is taken up where the study now is.
    ASSERT_EQ(expected.size(), 4u);
    auto retry = to->start_trial(copy->id, 10);
    EXPECT_EQ(retry->number, 3);
    EXPECT_EQ(retry->params, expected[2].params);
    // A second copy is refused: the name is taken.
    EXPECT_THROW(copy_studies(storage(), *to), ConfigError);
  }
  EXPECT_THROW(copy_studies(storage(), *targets[0], "nope"), ConfigError);
}

TEST(StorageUrl, FormsAndErrors) {
  EXPECT_NO_THROW(check_storage_url("memory:"));
  EXPECT_NO_THROW(check_storage_url("sqlite:///studies/a.db"));
  EXPECT_NO_THROW(check_storage_url("postgresql://u:p@db.example:5432/studies"));
  EXPECT_NO_THROW(check_storage_url("postgres://u@/studies?host=/run/postgresql"));
  EXPECT_EQ(storage_file("sqlite:///studies/a.db"), std::filesystem::path("studies/a.db"));
  EXPECT_EQ(storage_file("sqlite:////tmp/a.db"), std::filesystem::path("/tmp/a.db"));
  EXPECT_FALSE(storage_file("memory:"));
  struct Case {
    std::string url, message;
  };
  for (const Case& c : std::vector<Case>{{"studies/a.db", "sqlite:///"},
                                         {"mysql://u:hunter2@h/db", "postgresql://USER"},
                                         {"sqlite://a.db", "sqlite:///"},
                                         {"sqlite:///", "sqlite:///"},
                                         {"sqlite:///:memory:", "memory:"},
                                         {"sqlite:///dir/", "directory"},
                                         {"postgresql://u:hunter2@h:54x2/db", "port '54x2'"},
                                         {"postgresql://u:hunter2@h:5432", "names no database"},
                                         {"postgresql://u:hunter2@h:5432/db?colour=blue", "libpq"}}) {
    try {
      check_storage_url(c.url);
      ADD_FAILURE() << c.url << " was accepted";
    } catch (const ConfigError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(c.message), std::string::npos) << c.url << ": " << what;
      EXPECT_EQ(what.find("hunter2"), std::string::npos) << "the password shows: " << what;
      EXPECT_EQ(what.find("--"), std::string::npos) << "the library names no flags: " << what;
    }
  }
  EXPECT_EQ(redact_storage_url("postgresql://u:hunter2@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(redact_storage_url("postgresql://u@h/db?password=hunter2&x=1"), "postgresql://u@h/db?password=***&x=1");
  EXPECT_EQ(redact_storage_url("sqlite:///a@b:c.db"), "sqlite:///a@b:c.db");
}

TEST(SqliteStorage, RefusesFilesThatAreNotStudyDatabases) {
  TempDir dir;
  dir.write("notes.db", "just some text, long enough to look like a file header................................");
  auto expect_refused = [&](const std::string& url, const std::string& message) {
    try {
      open_storage(url);
      ADD_FAILURE() << url << " was opened";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  expect_refused(dir.url("notes.db"), "not an SQLite database");
  {
    auto s = open_storage(dir.url("new.db"));  // an nnlab database
  }
  raw_sql(dir.path / "other.db", "CREATE TABLE t(x)");
  expect_refused(dir.url("other.db"), "not nnlab's");
  raw_sql(dir.path / "new.db", "UPDATE nnlab_meta SET value='99' WHERE key='schema_version'");
  expect_refused(dir.url("new.db"), "schema version '99'");
  expect_refused(dir.url("missing/dir/a.db"), "does not exist");
  // Reading never creates a database where a path was mistyped.
  try {
    open_storage(dir.url("absent.db"), StorageAccess::Existing);
    ADD_FAILURE();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no study database"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path / "absent.db"));
}
