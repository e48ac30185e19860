// SQLite under the study storage: one file (or ":memory:" for the memory: backend), WAL
// mode with synchronous=FULL so each commit is on disk when the call returns, and write
// transactions that take the lock up front (BEGIN IMMEDIATE: a reader never has to upgrade
// and deadlock), wait on a busy timeout, and run again with jittered backoff, so K workers
// never surface "database is locked".
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "tune/storage/sql_database.h"

namespace nnlab::tune::sql {

class SqliteDatabase : public Database {
 public:
  // file ":memory:": a private in-memory database. Throws IoError when it cannot be opened.
  // read_only: an existing file opened SQLITE_OPEN_READONLY, its journal mode left as it is.
  SqliteDatabase(const std::filesystem::path& file, double patience_s, bool read_only = false);
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  const std::string& where() const override { return file_; }
  Rows query(const std::string& sql, const std::vector<Value>& params = {}) override;
  void lock_study(int64_t) override {}  // BEGIN IMMEDIATE already holds the whole file's write lock
  void exec(const char* sql);          // a script of statements without parameters

 protected:
  void begin(bool write) override { exec(write ? "BEGIN IMMEDIATE" : "BEGIN"); }
  void commit() override { exec("COMMIT"); }
  void rollback_quietly() override;
  void wait_before_retry(int attempt, const Retry& why) override;

 private:
  std::string file_;
  sqlite3* db_ = nullptr;
  Backoff backoff_;
};

}  // namespace nnlab::tune::sql
