// What only the PostgreSQL backend has: URLs that can be wrong in many ways (each answered
// with one line naming the URL without its password), and a server that goes away.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "nnlab/error.h"
#include "nnlab/tune/storage.h"
#include "tune/postgres_server.h"

using namespace nnlab;
using namespace nnlab::tune;
using namespace nnlab::tune::testing;

namespace {

SearchSpace space() { return SearchSpace::parse(R"({"x": {"type": "float", "low": 0, "high": 1}})"); }

// A TCP server on a loopback port that answers like a web server: not PostgreSQL.
class NotPostgres {
 public:
  NotPostgres() {
    fd_ = listen_on_loopback(&port_);
    thread_ = std::thread([this] {
      for (;;) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        [[maybe_unused]] ssize_t w = write(c, reply, sizeof reply - 1);
        close(c);
      }
    });
  }
  ~NotPostgres() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  int fd_, port_;
  std::thread thread_;
};

}  // namespace

TEST(PostgresStorage, BadUrlsSayWhatInOneLineWithoutThePassword) {
  PostgresServer* server = test_postgres();
  if (!server) GTEST_SKIP() << kNoPostgres;
  std::string good = server->tcp_url(server->new_database_name());
  ASSERT_NO_THROW(open_storage(good));
  const std::string pw = PostgresServer::kPassword, port = std::to_string(server->port());
  server->admin("CREATE DATABASE foreign_tables");
  server->admin("CREATE TABLE customers(id int)", "foreign_tables");
  NotPostgres web;
  struct Case {
    std::string url, message;
  };
  std::vector<Case> cases{
      {"postgresql://nnlab:" + pw + "@no-such-host.invalid:" + port + "/t1", "check the host name"},
      {"postgresql://nnlab:" + pw + "@127.0.0.1:" + std::to_string(free_tcp_port()) + "/t1", "check the host and port"},
      {"postgresql://stranger:" + pw + "@127.0.0.1:" + port + "/t1", "check the user and password"},
      {"postgresql://nnlab:wrong-" + pw + "@127.0.0.1:" + port + "/t1", "check the user and password"},
      {"postgresql://nnlab:" + pw + "@127.0.0.1:" + port + "/no_such_db", "create the database first"},
      {"postgresql://nnlab:" + pw + "@127.0.0.1:" + std::to_string(web.port()) + "/t1", "PostgreSQL server"},
      {"postgresql://nnlab:" + pw + "@127.0.0.1:" + port + "/foreign_tables", "not nnlab's"},
  };
  for (const Case& c : cases) {
    try {
      open_storage(c.url);
      ADD_FAILURE() << c.url << " was opened";
    } catch (const Error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(c.message), std::string::npos) << c.url << ": " << what;
      EXPECT_NE(what.find(redact_storage_url(c.url)), std::string::npos) << "names the URL: " << what;
      EXPECT_EQ(what.find(pw), std::string::npos) << "shows the password: " << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
    }
  }
  // Reading an empty database creates nothing in it.
  server->admin("CREATE DATABASE empty_one");
  EXPECT_THROW(open_storage(server->url("empty_one"), StorageAccess::Existing), IoError);
  EXPECT_NO_THROW(open_storage(server->url("empty_one")));
}

TEST(PostgresStorage, AServerRestartedMidStudyIsWaitedFor) {
  PostgresServer* server = test_postgres();
  if (!server) GTEST_SKIP() << kNoPostgres;
  std::string url = server->new_database();
  auto storage = open_storage(url);
  auto rec = storage->create_or_load_study("s", Direction::Minimize, space(), {});
  auto t = storage->start_trial(rec.id, 10);
  storage->set_params(t->id, {{"x", 0.5}});
  server->stop();
  // Issued while the server is down: retried until it is back, and done once. (The server
  // is restarted from this thread: its death signal follows the thread that started it.)
  std::optional<FrozenTrial> next;
  std::thread worker([&] {
    storage->finish_trial(t->id, TrialState::Complete, 0.25, "");
    next = storage->start_trial(rec.id, 10);
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  server->start();
  worker.join();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->number, 1);
  auto trials = storage->load_trials(rec.id);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Complete);
  EXPECT_EQ(trials[1].state, TrialState::Running);
}

TEST(PostgresStorage, AServerGoneForLongerThanThePatienceIsOneClearMessage) {
  PostgresServer* server = test_postgres();
  if (!server) GTEST_SKIP() << kNoPostgres;
  std::string url = server->tcp_url(server->new_database_name());
  auto storage = open_storage(url, StorageAccess::Create, 1.5);
  storage->create_or_load_study("s", Direction::Minimize, space(), {});
  server->stop();
  try {
    storage->list_studies();
    ADD_FAILURE() << "no error while the server was down";
  } catch (const IoError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("could not reach the server for 2 s"), std::string::npos) << what;
    EXPECT_NE(what.find("run the same command again"), std::string::npos) << what;
    EXPECT_NE(what.find(redact_storage_url(url)), std::string::npos) << what;
    EXPECT_EQ(what.find(PostgresServer::kPassword), std::string::npos) << what;
  }
  server->start();
  EXPECT_EQ(storage->list_studies().size(), 1u);  // and it recovers once the server is back
}
