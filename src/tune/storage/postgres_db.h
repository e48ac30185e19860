// PostgreSQL under the study storage, through libpq: one connection per process, READ
// COMMITTED write transactions in which lock_study() is a SELECT ... FOR UPDATE of the study's
// row, so the transactions that add trials to a study run one after another on whichever
// hosts they come from. A lost connection (server restarted, network dropped) is
// re-established with backoff for a bounded time and the transaction run again.
#pragma once

#include <string>

#include "tune/storage/sql_database.h"

typedef struct pg_conn PGconn;

namespace nnlab::tune::sql {

class PostgresDatabase : public Database {
 public:
  // Connects at once (no retry: a wrong host, port, user, password or database is reported
  // now). Throws IoError naming the URL without its password.
  PostgresDatabase(const std::string& url, double patience_s);
  ~PostgresDatabase() override;
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  const std::string& where() const override { return shown_url_; }
  Rows query(const std::string& sql, const std::vector<Value>& params = {}) override;
  void lock_study(int64_t study_id) override;

 protected:
  // Writes: READ COMMITTED, each statement seeing what the locks it waited for let commit.
  // Reads: one snapshot for the whole transaction (a study's trials, then their parameters).
  void begin(bool write) override { query(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); }
  void commit() override { query("COMMIT"); }
  void rollback_quietly() override;
  void wait_before_retry(int attempt, const Retry& why) override;

 private:
  std::string url_, shown_url_;
  PGconn* conn_ = nullptr;
  Backoff backoff_;
};

}  // namespace nnlab::tune::sql
